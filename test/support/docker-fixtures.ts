// Shared fixtures of the real-Docker tests: the engine, the tools image, temporary workspaces.
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { LABELS, taskContainerLabels, type ContainerSpec } from '../../pkg/runtime/index.js';

export const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });

/** The image the built-in tools use by default (built by scripts/build-images.sh). */
export const TOOLS_IMAGE = loadWorkerConfig({ argv: [], env: {}, homeDir: '/nonexistent', hostname: 'test' }).tools.image;

/** The uid:gid test workspaces belong to, so that containers run as that user. */
export const WORKSPACE_UID = 1000;

export async function makeWorkspace(files: Record<string, string | Buffer> = {}): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'baaaht-ws-'));
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    await chown(join(dir, name), WORKSPACE_UID, WORKSPACE_UID);
  }
  await chown(dir, WORKSPACE_UID, WORKSPACE_UID);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Containers this project created that still exist (any state). */
export async function managedContainers(taskId?: string): Promise<Dockerode.ContainerInfo[]> {
  const label = taskId ? [`${LABELS.taskId}=${taskId}`] : [`${LABELS.managedBy}`];
  return docker.listContainers({ all: true, filters: { label } });
}

/** A small task container spec for runner tests: the tools image as uid 1000, no network, modest limits, labelled as `workerId`'s. */
export function testContainerSpec(workerId: string, argv: string[], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: TOOLS_IMAGE,
    argv,
    workingDir: '/workspace',
    user: '1000:1000',
    labels: taskContainerLabels({
      workerId,
      bootId: 'test-boot',
      taskId: `t-${Math.random().toString(16).slice(2)}`,
      tool: 'test',
      deadlineMs: Date.now() + 60_000,
    }),
    network: 'none',
    limits: { cpus: 0.5, memoryBytes: 64 * 1024 * 1024, pids: 20 },
    ...overrides,
  };
}
