import type { Task } from '../pkg/gen/agent/v1/agent.js';
import { BENCH_FILES } from './create-bench-workspace.js';

/** One workload: the same task for floor, CLI and ours (the floor runs the argv the tool builds from it). */
export interface BenchWorkload {
  /** `file_read`, `grep`, `list`: the row name in the table. */
  readonly name: string;
  readonly description: string;
  /** The task without its mount source (the bench's workspace is filled in). */
  readonly task: Pick<Task, 'toolType' | 'params'>;
}

export const BENCH_WORKLOADS: readonly BenchWorkload[] = [
  {
    name: 'file_read',
    description: 'file_read of a 1 KiB file',
    task: { toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path: BENCH_FILES.small } } },
  },
  {
    name: 'grep',
    description: `grep -r over ${BENCH_FILES.treeDirs * BENCH_FILES.filesPerDir} files`,
    task: {
      toolType: 'grep',
      params: { $case: 'grep', grep: { pattern: BENCH_FILES.needle, path: BENCH_FILES.tree, recursive: true, ignoreCase: false } },
    },
  },
  {
    name: 'list',
    description: `list of a directory of ${BENCH_FILES.filesPerDir} files`,
    task: { toolType: 'list', params: { $case: 'list', list: { path: BENCH_FILES.listed } } },
  },
];
