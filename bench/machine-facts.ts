import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';

export interface MachineFacts {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryMiB: number;
  readonly kernel: string;
  readonly dockerServerVersion: string;
  readonly dockerApiVersion: string;
  readonly dockerDefaultRuntime: string;
  readonly node: string;
  /** 1-minute load average when the run started: the machine may be shared. */
  readonly loadAverage1m: number;
  readonly gitCommit: string;
  /** Uncommitted changes in the tree when the run started. */
  readonly gitDirty: boolean;
}

const quiet = (command: string, args: string[]): string => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return 'unknown';
  }
};

export function collectMachineFacts(): MachineFacts {
  const docker = quiet('docker', ['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}']).split(' ');
  const loadavg = quiet('cat', ['/proc/loadavg']).split(' ')[0] ?? '0';
  return {
    nproc: Number(quiet('nproc', [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    kernel: release(),
    dockerServerVersion: docker[0] ?? 'unknown',
    dockerApiVersion: docker[1] ?? 'unknown',
    dockerDefaultRuntime: quiet('docker', ['info', '--format', '{{.DefaultRuntime}}']),
    node: process.version,
    loadAverage1m: Number(loadavg) || 0,
    gitCommit: quiet('git', ['rev-parse', 'HEAD']),
    gitDirty: quiet('git', ['status', '--porcelain']) !== '',
  };
}
