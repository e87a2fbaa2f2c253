import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, Status } from 'nice-grpc-common';
import type { TaskServiceClient } from '../gen/agent/v1/agent.js';
import type { CliOutput } from './cli-output.js';
import { describeRpcError } from './describe-rpc-error.js';
import { EXIT } from './exit-codes.js';
import { printableStrings } from './printable.js';
import type { TaskCommand } from './parse-task-args.js';
import { colorEnabled, isInteractive, painter, TERM } from './terminal-style.js';
import { formatChangeLines, formatWatchScreen, type WatchSnapshot } from './watch-screen.js';

/** Finished tasks asked for on each poll (the most ListTasks gives), so that a task's end is seen even when many end at once. */
const RECENT_FINISHED = 100;

export interface WatchDeps {
  readonly client: TaskServiceClient;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Aborted on Ctrl-C: watching ends (exit 0). */
  readonly signal: AbortSignal;
  readonly rpcTimeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * `task watch`: polls ListWorkers and ListTasks every interval. On a terminal it redraws a
 * screen (in the alternate screen, cursor hidden, both restored at the end); otherwise it prints
 * one timestamped line per change. A failed first poll is an error (exit 125); a failed later
 * one shows "reconnecting..." and polling goes on. `--once` prints one screen and exits.
 */
export async function watchTasks(command: Extract<TaskCommand, { kind: 'watch' }>, deps: WatchDeps): Promise<number> {
  const { stdout, signal } = deps;
  const tty = stdout.isTTY === true;
  const paint = painter(colorEnabled(tty, deps.env));
  const poll = async (): Promise<WatchSnapshot> => {
    const callSignal = AbortSignal.any([signal, AbortSignal.timeout(deps.rpcTimeoutMs)]);
    const [workers, tasks] = await Promise.all([
      deps.client.listWorkers({}, { signal: callSignal }),
      deps.client.listTasks({ recentFinished: RECENT_FINISHED }, { signal: callSignal }).catch((error: unknown) => {
        if (error instanceof ClientError && error.code === Status.UNIMPLEMENTED) return undefined;
        throw error;
      }),
    ]);
    // Names, labels and tool types come from other programs: nothing in them may drive the terminal.
    return { atMs: Date.now(), workers: printableStrings(workers.workers), tasks: tasks === undefined ? undefined : printableStrings(tasks.tasks) };
  };
  const lost = (error: unknown): string => describeRpcError(error, command.addr).trim().replace(/^error:?\s*/, '');

  let snapshot: WatchSnapshot;
  try {
    snapshot = await poll();
  } catch (error) {
    if (signal.aborted) return EXIT.OK;
    deps.stderr.write(describeRpcError(error, command.addr));
    return EXIT.FAILED;
  }
  // A terminal that reports no size (0, as a pseudo-terminal may) counts as 80x24.
  const screen = (notice?: string, rows = stdout.rows || 24): string[] =>
    formatWatchScreen(snapshot, {
      addr: command.addr,
      ...(command.once ? {} : { intervalMs: command.intervalMs }),
      columns: tty ? stdout.columns || 80 : Number.POSITIVE_INFINITY,
      rows,
      paint,
      ...(notice === undefined ? {} : { notice }),
    });
  if (command.once) {
    stdout.write(`${screen(undefined, Number.POSITIVE_INFINITY).join('\n')}\n`);
    return EXIT.OK;
  }
  /** Waits an interval; false once Ctrl-C ended the watch. */
  const pause = async (): Promise<boolean> => {
    try {
      await sleep(command.intervalMs, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  };

  if (isInteractive(tty, deps.env)) {
    stdout.write(TERM.enterAltScreen + TERM.hideCursor);
    try {
      let notice: string | undefined;
      for (;;) {
        stdout.write(`${TERM.home}${screen(notice).join(`${TERM.clearToLineEnd}\n`)}${TERM.clearToLineEnd}${TERM.clearToScreenEnd}`);
        if (!(await pause())) break;
        try {
          snapshot = await poll();
          notice = undefined;
        } catch (error) {
          if (signal.aborted) break;
          notice = `reconnecting... (${lost(error)})`;
        }
      }
    } finally {
      stdout.write(TERM.showCursor + TERM.leaveAltScreen);
    }
    return EXIT.OK;
  }

  const print = (lines: readonly string[]): void => {
    if (lines.length > 0) stdout.write(`${lines.join('\n')}\n`);
  };
  print(formatChangeLines(undefined, snapshot, paint));
  let connected = true;
  while (await pause()) {
    let next: WatchSnapshot;
    try {
      next = await poll();
    } catch (error) {
      if (signal.aborted) break;
      if (connected) print([`${new Date().toISOString()} connection lost: ${lost(error)}; reconnecting...`]);
      connected = false;
      continue;
    }
    if (!connected) print([`${new Date(next.atMs).toISOString()} reconnected`]);
    connected = true;
    print(formatChangeLines(snapshot, next, paint));
    snapshot = next;
  }
  return EXIT.OK;
}
