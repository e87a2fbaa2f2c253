// Where the tests' workers may mount from: the system temp dir (every test workspace is made
// there) and the repository (the README's examples mount it), each as the directory's owner.
// Configured explicitly, as an operator would: a worker with no mount root mounts nothing.
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseMountRoot, type MountRoot } from '../../pkg/mounts/index.js';
import { ROOT } from './examples.js';

/** `--mount-root` / `WORKER_MOUNT_ROOT` text for a test worker. */
export const TEST_MOUNT_ROOTS = `${realpathSync(tmpdir())}:owner,${realpathSync(ROOT)}:owner`;

/** The same roots, compiled, for in-process executors (createExecutor's config.mountRoots). */
export const TEST_MOUNT_ROOT_LIST: readonly MountRoot[] = TEST_MOUNT_ROOTS.split(',').map(parseMountRoot);

/** Environment for a test worker: its mount roots (a flag given to the worker still wins). */
export const TEST_WORKER_ENV: Readonly<Record<string, string>> = { WORKER_MOUNT_ROOT: TEST_MOUNT_ROOTS };
