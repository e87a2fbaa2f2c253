import type { BenchResults, BenchRow } from './bench-results.js';

const num = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? '–' : value.toFixed(digits));
const times = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : `${value.toFixed(2)}×`);
const MODE_ORDER = { floor: 0, cli: 1, cold: 2, warm: 3 } as const;

function rowLine(row: BenchRow): string {
  const errors = (row.errors > 0 ? ` (${row.errors} failed)` : '') + (row.warmHits !== undefined ? ` (${row.warmHits}/${row.n} warm)` : '');
  return `| ${row.workload} | ${row.concurrency} | ${row.mode}${errors} | ${row.n} | ${num(row.p50Ms)} | ${num(row.p95Ms)} | ${num(row.p99Ms)} | ${num(row.tasksPerSec, 2)} | ${times(row.ratioP50)} | ${times(row.ratioP99)} | ${times(row.ratioTasksPerSec)} |`;
}

/** The results as Markdown: the latency table, the target verdicts, the stream and worker facts. */
export function formatResultsMarkdown(results: BenchResults): string {
  const rows = [...results.rows].sort(
    (a, b) => a.workload.localeCompare(b.workload) || a.concurrency - b.concurrency || MODE_ORDER[a.mode] - MODE_ORDER[b.mode],
  );
  const m = results.machine;
  const lines: string[] = [
    `Command: \`${results.command}\` · ${results.generatedAt} · commit ${m.gitCommit.slice(0, 12)}${m.gitDirty ? ' (uncommitted changes)' : ''}`,
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${m.memoryMiB} MiB, Linux ${m.kernel}, Docker ${m.dockerServerVersion} (API ${m.dockerApiVersion}, ${m.dockerDefaultRuntime}), Node ${m.node}, load ${m.loadAverage1m} at start`,
    '',
    '| workload | conc. | mode | n | p50 ms | p95 ms | p99 ms | tasks/s | p50 ÷ floor | p99 ÷ floor | tasks/s ÷ floor |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(rowLine),
    '',
    '| target | value | verdict |',
    '|---|---:|---|',
    ...results.targets.map((t) => {
      const verdict = t.pass === null ? 'not measured' : t.pass ? 'PASS' : 'FAIL';
      return `| ${t.target} | ${num(t.value, 2)} | ${verdict}${t.note ? ` (${t.note})` : ''} |`;
    }),
    '',
  ];
  const o = results.output;
  if (o.state !== 'NOT_MEASURED') {
    lines.push(
      `Stream: ${o.requestedBytes} bytes of stdout requested, ${o.receivedBytes} reached the client (${o.complete ? 'complete' : 'INCOMPLETE'}), result ${o.state}, ` +
        `${num(o.elapsedMs / 1000, 2)} s, ${num(o.mibPerSec)} MiB/s at the client, ${num(o.workerMibPerSec)} MiB/s through the worker; ` +
        `worker RSS ${num(o.idleRssMiB)} → peak ${num(o.peakRssMiB)} MiB (growth ${num(o.rssGrowthMiB)} MiB); ` +
        `the result held ${o.resultStdoutBytes} bytes of stdout${o.stdoutTruncated ? ' (truncated)' : ''}.` +
        (o.notes.length > 0 ? ` ${o.notes.join('; ')}.` : ''),
    );
  } else {
    lines.push(`Stream: not measured (${o.notes.join('; ')}).`);
  }
  const w = results.worker;
  lines.push(
    `Worker: idle RSS ${num(w.idleRssMiB)} MiB (after the runs ${num(w.idleAfterRunsRssMiB)}), peak during the cold runs ${num(w.peakRssMiB)} MiB; ` +
      `start → registered ${num(w.startToRegisteredMs, 0)} ms (median of ${w.startToRegisteredSamplesMs.map((v) => v.toFixed(0)).join(', ')}).`,
  );
  if (results.notes.length > 0) lines.push('', ...results.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}
