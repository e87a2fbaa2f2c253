import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDirectory, type PinsMounts } from '../mounts/index.js';
import { taskContainerLabels, type RunsContainers } from '../runtime/index.js';

export interface EnginePinsProbe {
  readonly pinner: PinsMounts;
  readonly runner: RunsContainers;
  /** An image with `cat` (the built-in tools'). */
  readonly image: string;
  /** Where the probe directory is made (the worker's work dir). */
  readonly dir: string;
  readonly workerId: string;
  readonly bootId: string;
}

/**
 * Why the engine does not see this worker's mount pins, or undefined when it does. The worker
 * pins a directory of its own holding a random marker and runs one confined container that
 * prints the marker through the pin. A worker in a mount namespace of its own (`ip netns exec`,
 * a container without a shared, rshared-bound pin dir) makes pins the engine cannot see: the
 * engine would bind the empty pin directory and every task would see an empty workspace.
 */
export async function enginePinsProblem(probe: EnginePinsProbe): Promise<string | undefined> {
  const dir = await realpath(await mkdtemp(join(probe.dir, 'pin-probe-')));
  const marker = randomBytes(16).toString('hex');
  try {
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'marker'), marker, { mode: 0o644 });
    const directory = await openDirectory(dir);
    const pinned = await probe.pinner.pin(directory).finally(() => directory.close());
    let stdout = '';
    let exitCode = -1;
    try {
      const events = probe.runner.run(
        {
          image: probe.image,
          argv: ['cat', '/workspace/marker'],
          workingDir: '/workspace',
          user: '65534:65534',
          labels: taskContainerLabels({ workerId: probe.workerId, bootId: probe.bootId, taskId: `pin-probe-${marker.slice(0, 8)}`, tool: 'pin-probe', deadlineMs: Date.now() + 120_000 }),
          mount: { source: pinned.path, target: '/workspace', writable: false, identity: pinned.identity, origin: pinned.origin },
          network: 'none',
          limits: { cpus: 0.5, memoryBytes: 32 * 1024 * 1024, pids: 16 },
        },
        { signal: AbortSignal.timeout(60_000), outputCapBytes: 4096 },
      );
      for await (const event of events) {
        if (event.type === 'output' && event.stream === 'stdout') stdout += Buffer.from(event.data).toString();
        if (event.type === 'exit') exitCode = event.exitCode;
      }
    } finally {
      await pinned.release();
    }
    if (exitCode === 0 && stdout === marker) return undefined;
    return `a container bound to a pin in ${pinned.path.slice(0, pinned.path.lastIndexOf('/'))} does not see the pinned directory (exit ${exitCode}): the worker is in a mount namespace the engine does not share (ip netns exec, or a container whose --mount-pin-dir is not a shared mount bound with rshared propagation)`;
  } catch (error) {
    return `the pin probe failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
