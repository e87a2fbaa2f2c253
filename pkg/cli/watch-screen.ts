import type { TaskSummary, WorkerInfo } from '../gen/agent/v1/agent.js';
import { isFinalTaskState } from '../protocol/index.js';
import { formatAge } from './format-age.js';
import { stateName } from './format-result.js';
import { formatOwnLabels, groupName } from './format-workers.js';
import { fit, paintState, plain, type Paint, type Style } from './terminal-style.js';

/** What one poll of the orchestrator saw. */
export interface WatchSnapshot {
  /** When it was taken (Unix epoch ms). */
  readonly atMs: number;
  readonly workers: readonly WorkerInfo[];
  /** Unfinished tasks in submission order, then recently finished ones, newest first; undefined when the orchestrator does not list tasks. */
  readonly tasks: readonly TaskSummary[] | undefined;
}

/** Finished tasks the screen shows at most. */
export const SCREEN_FINISHED_TASKS = 10;

export const isFinished = isFinalTaskState;

/** `connected`, `draining`, `unhealthy`, `draining,unhealthy`, or `disconnected`. */
export function workerState(worker: Pick<WorkerInfo, 'connected' | 'draining' | 'healthy'>): string {
  if (!worker.connected) return 'disconnected';
  const states = [worker.draining ? 'draining' : '', worker.healthy ? '' : 'unhealthy'].filter((s) => s !== '');
  return states.length === 0 ? 'connected' : states.join(',');
}

function workerStateStyle(state: string): Style {
  if (state === 'connected') return 'green';
  if (state === 'draining') return 'yellow';
  return 'red';
}

export function shortId(taskId: string): string {
  return taskId.slice(0, 8);
}

/** A cell of a table: its plain text, and how to colour it. */
interface Cell {
  readonly text: string;
  readonly style?: Style | ((text: string) => string);
}

/** Aligned columns, each line cut to `width` (plain text first, colour after). */
function table(rows: ReadonlyArray<readonly Cell[]>, width: number, paint: Paint): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => [...row[column]!.text].length)));
  return rows.map((row) => {
    let room = width;
    let line = '';
    row.forEach((cell, i) => {
      if (room <= 0) return;
      const last = i === row.length - 1;
      const sep = i === 0 ? '' : '  ';
      const padded = sep + (last ? cell.text : cell.text.padEnd(widths[i]!));
      const text = fit(padded, room);
      room -= [...text].length;
      // Colour the text, not the padding after it.
      const body = text.slice(sep.length).trimEnd();
      const pad = text.slice(sep.length + body.length);
      const styled = cell.style === undefined || body === '' ? body : typeof cell.style === 'function' ? cell.style(body) : paint(cell.style, body);
      line += text.slice(0, sep.length) + styled + pad;
    });
    return line.trimEnd();
  });
}

export interface ScreenOptions {
  readonly addr: string;
  /** Shown in the title when given. */
  readonly intervalMs?: number;
  /** Terminal size; lines are cut to `columns`, and at most `rows` lines are returned (tasks are cut first). */
  readonly columns: number;
  readonly rows: number;
  readonly paint?: Paint;
  /** A line under the title, e.g. `reconnecting...`. */
  readonly notice?: string;
}

/**
 * The watch screen, as lines (no line breaks, no cursor movement):
 *
 * ```
 * baaaht watch · 2024-05-01 12:00:00Z · every 1s · unix:///tmp/baaaht-grpc.sock
 * WORKERS 1
 * NAME  GROUP  STATE      RUNNING  HEARTBEAT  LABELS
 * w1    gpu    connected  1/4      0.4s ago   zone=a
 * TASKS 1 open, 1 recently finished
 * ID        TOOL       STATE      WORKER  ATTEMPT  AGE
 * 3f2c0a1b  file_read  RUNNING    w1      1        3.2s
 * 9e8d7c6b  grep       COMPLETED  w1      1        1m05s
 * ```
 *
 * AGE is the time since the task was submitted, or since it finished for a finished one.
 */
export function formatWatchScreen(snapshot: WatchSnapshot, options: ScreenOptions): string[] {
  const paint = options.paint ?? plain;
  const width = Math.max(20, options.columns - 1);
  const at = new Date(snapshot.atMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const every = options.intervalMs === undefined ? '' : ` · every ${formatAge(options.intervalMs).replace(/\.0s$/, 's')}`;
  // The address last: it is what gets cut on a narrow terminal.
  const lines: string[] = [fit(`baaaht watch · ${at}${every} · ${options.addr}`, width)];
  if (options.notice !== undefined) lines.push(paint('yellow', fit(options.notice, width)));

  lines.push(paint('bold', fit(`WORKERS ${snapshot.workers.length}`, width)));
  if (snapshot.workers.length === 0) lines.push('  no workers registered');
  else {
    const rows: Cell[][] = [
      ['NAME', 'GROUP', 'STATE', 'RUNNING', 'HEARTBEAT', 'LABELS'].map((text) => ({ text, style: 'dim' as const })),
      ...snapshot.workers.map((w) => {
        const state = workerState(w);
        return [
          { text: w.name || w.agentId },
          { text: groupName(w) },
          { text: state, style: workerStateStyle(state) },
          { text: `${w.activeTaskIds.length}/${w.capabilities?.maxConcurrentTasks ?? 0}` },
          { text: w.lastHeartbeatMs > 0 ? `${formatAge(snapshot.atMs - w.lastHeartbeatMs)} ago` : '-' },
          { text: formatOwnLabels(w.labels) },
        ];
      }),
    ];
    lines.push(...table(rows, width, paint));
  }

  if (snapshot.tasks === undefined) {
    lines.push(paint('bold', 'TASKS'), '  this orchestrator does not list tasks');
    return lines.slice(0, Math.max(1, options.rows));
  }
  const open = snapshot.tasks.filter((t) => !isFinished(t.state));
  const finished = snapshot.tasks.filter((t) => isFinished(t.state));
  lines.push(paint('bold', fit(`TASKS ${open.length} open, ${finished.length} recently finished`, width)));
  if (snapshot.tasks.length === 0) {
    lines.push('  no tasks');
    return lines.slice(0, Math.max(1, options.rows));
  }
  // As many tasks as the terminal has rows for (below the column titles), open ones first.
  const candidates = [...open, ...finished.slice(0, SCREEN_FINISHED_TASKS)];
  const room = Math.max(1, options.rows - lines.length - 1);
  const shown = candidates.length <= room ? candidates : candidates.slice(0, Math.max(0, room - 1));
  const hiddenOpen = open.length - shown.filter((t) => !isFinished(t.state)).length;
  const rows: Cell[][] = [
    ['ID', 'TOOL', 'STATE', 'WORKER', 'ATTEMPT', 'AGE'].map((text) => ({ text, style: 'dim' as const })),
    ...shown.map((t) => [
      { text: shortId(t.taskId) },
      { text: t.toolType },
      { text: stateName(t.state), style: (text: string) => paintState(paint, t.state, text) },
      { text: t.worker || '-' },
      { text: t.attempt > 0 ? String(t.attempt) : '-' },
      { text: formatAge(snapshot.atMs - (isFinished(t.state) && t.finishedAtMs > 0 ? t.finishedAtMs : t.submittedAtMs)) },
    ]),
  ];
  lines.push(...table(rows, width, paint));
  if (hiddenOpen > 0) lines.push(`  … ${hiddenOpen} more open`);
  return lines.slice(0, Math.max(1, options.rows));
}

/** One line per change between two snapshots (the first one against nothing: `previous` undefined), each with the later snapshot's time. */
export function formatChangeLines(previous: WatchSnapshot | undefined, next: WatchSnapshot, paint: Paint = plain): string[] {
  const stamp = new Date(next.atMs).toISOString();
  const lines: string[] = [];
  const before = new Map((previous?.workers ?? []).map((w) => [w.agentId, w]));
  const after = new Map(next.workers.map((w) => [w.agentId, w]));
  for (const w of next.workers) {
    const old = before.get(w.agentId);
    const state = workerState(w);
    if (old === undefined) {
      const labels = formatOwnLabels(w.labels);
      lines.push(
        `${stamp} worker ${w.name} ${previous === undefined ? 'is' : 'joined:'} ${paint(workerStateStyle(state), state)}, group ${groupName(w)}, ` +
          `${w.activeTaskIds.length}/${w.capabilities?.maxConcurrentTasks ?? 0} running${labels === '-' ? '' : `, labels ${labels}`}`,
      );
    } else if (workerState(old) !== state) {
      lines.push(`${stamp} worker ${w.name} ${workerState(old)} -> ${paint(workerStateStyle(state), state)}`);
    }
  }
  for (const w of previous?.workers ?? []) if (!after.has(w.agentId)) lines.push(`${stamp} worker ${w.name} left`);

  if (next.tasks !== undefined) {
    const seen = new Map((previous?.tasks ?? []).map((t) => [t.taskId, t]));
    const now = new Set(next.tasks.map((t) => t.taskId));
    // Oldest first: unfinished ones are in submission order, finished ones newest first.
    const ordered = [...next.tasks.filter((t) => !isFinished(t.state)), ...next.tasks.filter((t) => isFinished(t.state)).reverse()];
    for (const t of ordered) {
      const old = seen.get(t.taskId);
      if (old === undefined && previous === undefined && isFinished(t.state)) continue; // history, not a change
      if (old !== undefined && old.state === t.state && old.worker === t.worker && old.attempt === t.attempt) continue;
      const name = stateName(t.state);
      const state = paintState(paint, t.state, name);
      const where = t.worker === '' ? '' : ` on ${t.worker}`;
      const details = [t.attempt > 0 ? `attempt ${t.attempt}` : '', isFinished(t.state) && t.cause !== name ? t.cause : ''].filter((d) => d !== '');
      const transition = old === undefined || old.state === t.state ? state : `${stateName(old.state)} -> ${state}`;
      lines.push(`${stamp} task ${t.taskId} ${t.toolType} ${transition}${where}${details.length === 0 ? '' : ` (${details.join(', ')})`}`);
    }
    for (const t of previous?.tasks ?? []) {
      if (!now.has(t.taskId) && !isFinished(t.state)) lines.push(`${stamp} task ${t.taskId} ${t.toolType} is no longer listed`);
    }
  }
  return lines;
}
