import type { BenchResults, TargetVerdict } from './bench-results.js';

type Inputs = Pick<BenchResults, 'ratios' | 'output' | 'worker'>;

function verdict(name: string, target: string, value: number | null, comparison: '<=' | '>=', limit: number, note?: string, also = true): TargetVerdict {
  const pass = value === null ? null : also && (comparison === '<=' ? value <= limit : value >= limit);
  return { name, target, value, limit, comparison, pass, ...(note ? { note } : {}) };
}

/** The targets of issue #5, each pass / fail / not measured (null). Reported, never asserted. */
export function evaluateTargets({ ratios, output, worker }: Inputs): TargetVerdict[] {
  const measured = output.state !== 'NOT_MEASURED';
  const completedStream = output.taskCompleted;
  return [
    verdict('coldP50', 'cold p50 ≤ 1.15 × floor p50 (file_read, c=1)', ratios.coldP50, '<=', 1.15),
    verdict('throughputC4', 'cold tasks/s at c=4 ≥ 0.9 × floor’s (file_read)', ratios.coldTasksPerSecC4, '>=', 0.9),
    verdict('warmP50', 'warm p50 ≤ 0.25 × floor p50 (file_read, c=1)', ratios.warmP50, '<=', 0.25),
    verdict('warmP99', 'warm p99 ≤ 0.5 × floor p99 (file_read, c=1)', ratios.warmP99, '<=', 0.5),
    verdict(
      'outputRssGrowth',
      '1 GiB of stdout: worker RSS growth ≤ 64 MiB',
      output.rssGrowthMiB,
      '<=',
      64,
      measured && !completedStream ? `the stream task did not complete (${output.state}${output.abortedBecause ? `: ${output.abortedBecause}` : ''})` : undefined,
      completedStream,
    ),
    verdict(
      'outputRate',
      '1 GiB of stdout reaches the client at ≥ 100 MiB/s',
      output.mibPerSec,
      '>=',
      100,
      measured && !output.complete ? `only ${output.receivedBytes} of ${output.requestedBytes} bytes reached the client` : undefined,
      output.complete,
    ),
    verdict('idleRss', 'worker idle RSS ≤ 80 MiB', worker.idleRssMiB, '<=', 80),
    verdict('startToRegistered', 'worker start to registered ≤ 1 s', worker.startToRegisteredMs, '<=', 1000),
  ];
}
