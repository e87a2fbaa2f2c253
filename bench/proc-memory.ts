// A process's memory as the kernel reports it in /proc/<pid>/status (VmRSS now, VmHWM its peak).
import { readFileSync, writeFileSync } from 'node:fs';

const KIB_PER_MIB = 1024;

export interface ProcMemory {
  readonly rssMiB: number;
  /** Peak resident set since the process started, or since resetPeakRss. */
  readonly hwmMiB: number;
}

/** VmRSS and VmHWM of `pid`, in MiB (0.1 MiB resolution); undefined when the process is gone. */
export function readProcMemory(pid: number): ProcMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Math.round((Number(match[1]) / KIB_PER_MIB) * 10) / 10 : 0;
  };
  return { rssMiB: field('VmRSS'), hwmMiB: field('VmHWM') };
}

/**
 * Resets VmHWM of `pid` to its current RSS (`echo 5 > /proc/PID/clear_refs`, Linux 4.0+, needs
 * the right to write there). Returns false when the kernel refused; peaks then also hold what
 * came before.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssSampler {
  /** Stops sampling; the highest VmRSS seen and the VmHWM at the end (MiB). */
  stop(): { maxRssMiB: number; hwmMiB: number; samples: number };
}

/** Samples VmRSS of `pid` every `intervalMs` until stopped (VmHWM catches peaks between samples). */
export function startRssSampler(pid: number, intervalMs = 50): RssSampler {
  let maxRssMiB = readProcMemory(pid)?.rssMiB ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const memory = readProcMemory(pid);
    if (memory === undefined) return;
    samples++;
    maxRssMiB = Math.max(maxRssMiB, memory.rssMiB);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const memory = readProcMemory(pid);
      return { maxRssMiB: Math.max(maxRssMiB, memory?.rssMiB ?? 0), hwmMiB: memory?.hwmMiB ?? 0, samples };
    },
  };
}
