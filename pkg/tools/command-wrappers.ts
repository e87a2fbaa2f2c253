import { quoteValue } from '../errors/quote-value.js';
import type { CommandView, UnsafePlaceholder } from './command-view.js';

/** How a program that runs another program (`timeout 10 sh -c ...`) lays out its arguments. */
interface WrapperRule {
  /** Options whose value is the next element (or attached: `-s9`, `--signal=9`). */
  readonly values: readonly string[];
  /** Options without a value (short ones may be clustered). */
  readonly flags: readonly string[];
  /** Operands before the program: timeout's duration, chroot's new root, taskset's mask. */
  readonly operands: number;
  /** nice's old `-10` form. */
  readonly numericOption?: true;
}

/**
 * Programs that run the program named by their arguments, as argv (never through a shell), and
 * how to find it. The program they run is judged like command[0]. `env`, `busybox` and `find` have
 * their own rules (find-unsafe-placeholder.ts).
 */
export const WRAPPERS: Readonly<Record<string, WrapperRule>> = {
  timeout: { values: ['-s', '--signal', '-k', '--kill-after'], flags: ['--preserve-status', '--foreground', '-v', '--verbose'], operands: 1 },
  nice: { values: ['-n', '--adjustment'], flags: [], operands: 0, numericOption: true },
  nohup: { values: [], flags: [], operands: 0 },
  setsid: { values: [], flags: ['-c', '--ctty', '-f', '--fork', '-w', '--wait'], operands: 0 },
  stdbuf: { values: ['-i', '-o', '-e', '--input', '--output', '--error'], flags: [], operands: 0 },
  ionice: { values: ['-c', '--class', '-n', '--classdata'], flags: ['-t', '--ignore'], operands: 0 },
  chrt: {
    values: ['-T', '--sched-runtime', '-P', '--sched-period', '-D', '--sched-deadline'],
    flags: ['-b', '--batch', '-d', '--deadline', '-f', '--fifo', '-i', '--idle', '-o', '--other', '-r', '--rr', '-R', '--reset-on-fork', '-v', '--verbose'],
    operands: 1,
  },
  taskset: { values: [], flags: ['-c', '--cpu-list'], operands: 1 },
  time: { values: ['-f', '--format', '-o', '--output'], flags: ['-a', '--append', '-p', '--portability', '-v', '--verbose', '-q', '--quiet'], operands: 0 },
  chroot: { values: ['--userspec', '--groups'], flags: ['--skip-chdir'], operands: 1 },
  xargs: {
    values: ['-a', '--arg-file', '-d', '--delimiter', '-E', '--eof', '-I', '--replace', '-L', '--max-lines', '-n', '--max-args', '-P', '--max-procs', '-s', '--max-chars', '--process-slot-var'],
    flags: ['-0', '--null', '-r', '--no-run-if-empty', '-t', '--verbose', '-p', '--interactive', '-x', '--exit', '-o', '--open-tty', '-i', '-e', '-l'],
    operands: 0,
  },
};

/**
 * Programs that hand their arguments to a shell or run them as code in ways this check does not
 * follow (su -c, watch and ssh join their arguments into a shell command line; make takes
 * `VAR=$(shell ...)` operands; sudo, runuser, nsenter and the like have options that move the
 * program): no placeholder is accepted anywhere in their arguments.
 */
export const OPAQUE_RUNNERS: ReadonlySet<string> = new Set([
  'su', 'sudo', 'doas', 'runuser', 'setpriv', 'sg', 'newgrp', 'capsh', 'unshare', 'nsenter', 'systemd-run', 'chpst',
  'watch', 'script', 'flock', 'ssh', 'parallel', 'screen', 'tmux', 'xterm', 'make', 'gmake',
  'strace', 'ltrace', 'gdb', 'valgrind', 'vi', 'vim', 'nvim', 'ex', 'emacs', 'eval', 'exec', 'command', 'builtin',
]);

/**
 * The index of the program a wrapper (at `index`) runs, past its options and operands, or the
 * problem: a placeholder there could become an option or the program, and an unknown option
 * hides where the program starts.
 */
export function findWrappedProgram(command: CommandView, index: number, name: string, rule: WrapperRule): number | UnsafePlaceholder {
  let operands = 0;
  for (let at = index + 1; at < command.length; at += 1) {
    // The program itself: judged by the caller (a placeholder there is the program problem).
    if (command.hasPlaceholder(at) && operands === rule.operands && command.first(at)?.kind === 'param') return at;
    if (command.hasPlaceholder(at)) {
      return {
        index: at,
        reason: `a placeholder among the arguments of ${name} could become an option, an operand or the program it runs; only that program's own arguments may hold one`,
      };
    }
    const arg = command.literal(at);
    if (arg === '--') return at + 1;
    if (!arg.startsWith('-') || arg === '-') {
      if (operands === rule.operands) return at;
      operands += 1;
      continue;
    }
    const takes = optionTakesValue(arg, rule);
    if (takes === undefined) {
      return { index: at, reason: `unknown option ${quoteValue(arg)} of ${name}: cannot tell where the program it runs starts` };
    }
    if (takes) at += 1;
    if (takes && command.hasPlaceholder(at)) {
      return { index: at, reason: `the value of ${name} ${quoteValue(arg)} must not contain placeholders` };
    }
  }
  return command.length;
}

/** true: the next element is its value; false: none (flag, or attached value); undefined: unknown. */
function optionTakesValue(arg: string, rule: WrapperRule): boolean | undefined {
  if (rule.numericOption === true && /^-\d+$/.test(arg)) return false;
  if (arg.startsWith('--')) {
    const [name] = arg.split('=', 1);
    if (name !== undefined && rule.values.includes(name)) return !arg.includes('=');
    return rule.flags.includes(arg) ? false : undefined;
  }
  // A cluster of short flags, possibly ending in one that takes a value (attached or next).
  for (let i = 1; i < arg.length; i += 1) {
    const option = `-${arg[i]}`;
    if (rule.values.includes(option)) return i === arg.length - 1;
    if (!rule.flags.includes(option)) return undefined;
  }
  return false;
}
