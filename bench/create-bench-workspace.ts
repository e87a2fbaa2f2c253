import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The uid:gid the workspace belongs to: tasks run as the mount's owner, so as this user. */
export const BENCH_WORKSPACE_UID = 1000;

/** What the workloads read: a 1 KiB file, and a 1,000-file tree in 10 directories of 100. */
export const BENCH_FILES = {
  small: 'small.txt',
  tree: 'tree',
  listed: 'tree/d00',
  treeDirs: 10,
  filesPerDir: 100,
  /** Every tenth file holds this word once, so grep finds 100 lines. */
  needle: 'baaahtneedle',
} as const;

/** Makes the benchmark workspace under `dir` (owned by BENCH_WORKSPACE_UID) and returns its path. */
export async function createBenchWorkspace(dir: string): Promise<string> {
  const ws = join(dir, 'workspace');
  await mkdir(ws);
  const own = (path: string): Promise<void> => chown(path, BENCH_WORKSPACE_UID, BENCH_WORKSPACE_UID);
  const line = 'the quick brown fox jumps over the lazy dog 0123456789abcdef\n'; // 64 bytes
  await writeFile(join(ws, BENCH_FILES.small), line.repeat(16)); // 1,024 bytes
  await own(join(ws, BENCH_FILES.small));
  await mkdir(join(ws, BENCH_FILES.tree));
  await own(join(ws, BENCH_FILES.tree));
  for (let d = 0; d < BENCH_FILES.treeDirs; d++) {
    const sub = join(ws, BENCH_FILES.tree, `d${String(d).padStart(2, '0')}`);
    await mkdir(sub);
    await own(sub);
    for (let f = 0; f < BENCH_FILES.filesPerDir; f++) {
      const file = join(sub, `f${String(f).padStart(3, '0')}.txt`);
      const body = line.repeat(8) + (f % 10 === 0 ? `${BENCH_FILES.needle} ${d}/${f}\n` : '');
      await writeFile(file, body);
      await own(file);
    }
  }
  await own(ws);
  return ws;
}
