import { basename, placeholderFrom, viewCommand, type CommandView, type UnsafePlaceholder } from './command-view.js';
import { findWrappedProgram, OPAQUE_RUNNERS, WRAPPERS } from './command-wrappers.js';
import { findInterpreterProblem, interpreterRule } from './interpreter-rules.js';
import type { TemplatePart } from './parse-command-template.js';
import { quoteValue } from '../errors/quote-value.js';

/** Programs read as shells: a placeholder must never reach their script or options. */
export const SHELL_NAMES: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'mksh', 'pdksh', 'posh', 'yash', 'hush', 'rbash', 'fish', 'csh', 'tcsh']);

/** Long shell options that take the next element as their argument. */
const SHELL_LONG_OPTIONS_WITH_ARGUMENT: ReadonlySet<string> = new Set(['--rcfile', '--init-file']);
const SHELL_LONG_OPTIONS: ReadonlySet<string> = new Set([
  '--login',
  '--noediting',
  '--noprofile',
  '--norc',
  '--posix',
  '--restricted',
  '--verbose',
  '--debugger',
  '--no-rcs',
  '--no-globalrcs',
]);
/** env options that neither take an argument nor split one. */
const ENV_PLAIN_OPTIONS: ReadonlySet<string> = new Set(['-i', '-', '--ignore-environment', '-0', '--null']);
const ASSIGNMENT = /^[^=]+=/;
const ASSIGNMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*=/;

export type { UnsafePlaceholder } from './command-view.js';

/**
 * Where a command's placeholders could change what runs rather than what it works on, or
 * undefined when there is no such place (always for a command without placeholders). It follows
 * the command to the program that really runs and judges that program's arguments:
 * - the program (`command[0]`, or the program a wrapper runs) must be literal;
 * - wrappers (`env`, `timeout`, `nice`, `nohup`, `setsid`, `stdbuf`, `ionice`, `chrt`, `taskset`,
 *   `time`, `chroot`, `xargs`, `busybox APPLET`, and each `find -exec/-execdir/-ok/-okdir` command):
 *   no placeholder before the program they run (only env's NAME={param} assignments), known
 *   options only; the program they run is judged the same way;
 * - a shell (sh, bash, dash, zsh, ash, ksh, mksh, ...): its options and its script (the `-c`
 *   string, or the script file) must be literal; values go in as positional arguments after the
 *   script (`$1`, `$2`, ...). Options the scan does not know are refused;
 * - an interpreter (perl, python, node, ruby, php, lua, awk, sed, ... see interpreter-rules.ts):
 *   its code (`-e`, `-c`, the script file, awk's and sed's program text) and its options must be
 *   literal; values go in as arguments after the code;
 * - programs that join their arguments into a shell command or run them as code in ways not
 *   followed here (su, sudo, watch, ssh, make, ... see OPAQUE_RUNNERS): no placeholder at all.
 * Any other program takes placeholders in its arguments: what it makes of them is the operator's
 * business (a value never starts with `-` unless the parameter allows it).
 */
export function findUnsafePlaceholder(elements: readonly (readonly TemplatePart[])[]): UnsafePlaceholder | undefined {
  return judgeProgram(viewCommand(elements), 0, elements.length);
}

/** Judges the program at `program` and its arguments up to `end` (exclusive). */
function judgeProgram(command: CommandView, program: number, end: number): UnsafePlaceholder | undefined {
  if (program >= end || !placeholderFrom(command, program, end)) return undefined;
  if (command.hasPlaceholder(program)) return programProblem(program);
  const name = basename(command.literal(program));
  const wrapped = (found: number | UnsafePlaceholder): UnsafePlaceholder | undefined =>
    typeof found === 'number' ? judgeProgram(command, found, end) : found;
  if (name === 'env') return wrapped(findEnvProgram(command, program, end));
  if (name === 'busybox') return wrapped(program + 1);
  if (name === 'find') return findFindProblem(command, program, end);
  const wrapper = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name] : undefined;
  if (wrapper !== undefined) return wrapped(findWrappedProgram(sliceView(command, end), program, name, wrapper));
  if (OPAQUE_RUNNERS.has(name)) {
    let index = program + 1;
    while (!command.hasPlaceholder(index)) index += 1;
    return {
      index,
      reason: `${name} runs its arguments through a shell or as code in ways this check does not follow: no placeholder is accepted in its arguments`,
    };
  }
  if (SHELL_NAMES.has(name)) return findShellProblem(sliceView(command, end), name, program);
  const interpreter = interpreterRule(name);
  if (interpreter !== undefined) return findInterpreterProblem(sliceView(command, end), name, interpreter, program);
  return undefined;
}

/** A view of the elements before `end` only. */
function sliceView(command: CommandView, end: number): CommandView {
  return {
    length: Math.min(end, command.length),
    first: (index) => (index < end ? command.first(index) : undefined),
    hasPlaceholder: (index) => index < end && command.hasPlaceholder(index),
    literal: (index) => (index < end ? command.literal(index) : ''),
  };
}

const FIND_EXEC_ACTIONS: ReadonlySet<string> = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/**
 * find's own expression may hold placeholders (names, paths, sizes); each -exec/-execdir/-ok/-okdir
 * command, up to its literal `;` or `+`, is judged as a command. (A value that is exactly ";"
 * can only end such a command early, leaving the rest to find as expression.)
 */
function findFindProblem(command: CommandView, program: number, end: number): UnsafePlaceholder | undefined {
  for (let index = program + 1; index < end; index += 1) {
    if (command.hasPlaceholder(index) || !FIND_EXEC_ACTIONS.has(command.literal(index))) continue;
    const action = index;
    let stop = action + 1;
    while (stop < end && (command.hasPlaceholder(stop) || !/^[;+]$/.test(command.literal(stop)))) stop += 1;
    const problem = judgeProgram(command, action + 1, stop);
    if (problem !== undefined) return problem;
    index = stop;
  }
  return undefined;
}

function programProblem(index: number): UnsafePlaceholder {
  return { index, reason: 'the program to run must not contain placeholders' };
}

/** The index of the program `env` (at `program`) runs, past its options and assignments. */
function findEnvProgram(command: CommandView, program: number, end: number): number | UnsafePlaceholder {
  for (let index = program + 1; index < end; index += 1) {
    if (command.hasPlaceholder(index)) {
      const first = command.first(index);
      if (first?.kind === 'text' && ASSIGNMENT_NAME.test(first.text)) continue;
      return {
        index,
        reason: "a placeholder among env's arguments could become an option or the program; only NAME={param} assignments may hold one",
      };
    }
    const arg = command.literal(index);
    if (arg === '--') return index + 1;
    if (arg.startsWith('-')) {
      if (ENV_PLAIN_OPTIONS.has(arg)) continue;
      return {
        index,
        reason: `env option ${quoteValue(arg)} is not accepted in a command with placeholders (only -i, -0 and NAME=VALUE; -S would split values)`,
      };
    }
    if (!ASSIGNMENT.test(arg)) return index;
  }
  return end;
}

/** A placeholder among a shell's options or in its script (the `-c` string or the script file). */
function findShellProblem(command: CommandView, shell: string, program: number): UnsafePlaceholder | undefined {
  const optionProblem = (index: number): UnsafePlaceholder => ({
    index,
    reason: `a placeholder among the options of ${shell} could become an option or its script; pass values as positional arguments after the script`,
  });
  const scriptProblem = (index: number, usesC: boolean): UnsafePlaceholder => ({
    index,
    reason: usesC
      ? `placeholders inside a shell script (${shell} -c) would be run as shell code; pass values as positional ` +
        `arguments after the script and use "$1", "$2", ...: e.g. [sh, -c, 'head -c "$1" /dev/zero', sh, "{size}"]`
      : `the script file of ${shell} must not contain placeholders`,
  });
  const unknownOption = (index: number, arg: string): UnsafePlaceholder => ({
    index,
    reason: `unknown option ${quoteValue(arg)} of ${shell}: cannot tell where its script starts`,
  });
  let index = program + 1;
  let usesC = false;
  for (; index < command.length; index += 1) {
    if (command.hasPlaceholder(index)) {
      const first = command.first(index);
      // Literal text first, and no option sign: the element is the script (judged below).
      if (first?.kind === 'text' && !/^[-+]/.test(first.text)) break;
      // Starting with a value: the value decides whether it is an option or the script.
      return first?.kind === 'param' && usesC ? scriptProblem(index, usesC) : optionProblem(index);
    }
    const arg = command.literal(index);
    if (arg === '--' || arg === '-') {
      index += 1;
      break;
    }
    if (!/^[-+]/.test(arg)) break;
    let takesArgument: boolean;
    if (arg.startsWith('--')) {
      takesArgument = SHELL_LONG_OPTIONS_WITH_ARGUMENT.has(arg);
      if (!takesArgument && !SHELL_LONG_OPTIONS.has(arg)) return unknownOption(index, arg);
    } else {
      if (!/^[-+][A-Za-z]+$/.test(arg)) return unknownOption(index, arg);
      if (arg.startsWith('-') && arg.includes('c')) usesC = true;
      // -o and -O name an option in the next element (sh -o pipefail, bash -O extglob).
      takesArgument = /[oO]/.test(arg);
    }
    if (takesArgument) {
      index += 1;
      if (command.hasPlaceholder(index)) return optionProblem(index);
    }
  }
  if (index >= command.length || !command.hasPlaceholder(index)) return undefined;
  return scriptProblem(index, usesC);
}

