import type { TemplatePart } from './parse-command-template.js';
import { quoteValue } from './quote-value.js';

/** Programs read as shells: a placeholder must never reach their script or options. */
export const SHELL_NAMES: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh']);

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

export interface UnsafePlaceholder {
  /** Index of the command element at fault. */
  readonly index: number;
  readonly reason: string;
}

/**
 * Where a command's placeholders could change what runs rather than what it works on, or
 * undefined when there is no such place (always for a command without placeholders):
 * - the program (`command[0]`, or the program `env` runs) must be literal;
 * - `env`: before its program only NAME=VALUE assignments may hold a placeholder (with a literal
 *   NAME), and only plain options (`-i`, `-0`) are accepted, as others take or split arguments;
 * - a shell (sh, bash, dash, zsh, ash, ksh, also behind env): its options and its script (the
 *   `-c` string, or the script file) must be literal; values go in as positional arguments
 *   after the script (`$1`, `$2`, ...). Options the scan does not know are refused, as it could
 *   not tell where the script is.
 */
export function findUnsafePlaceholder(elements: readonly (readonly TemplatePart[])[]): UnsafePlaceholder | undefined {
  const command = viewCommand(elements);
  if (!elements.some((_, index) => command.hasPlaceholder(index))) return undefined;
  if (command.hasPlaceholder(0)) return programProblem(0);
  let program = 0;
  if (basename(command.literal(0)) === 'env') {
    const found = findEnvProgram(command);
    if (typeof found !== 'number') return found;
    program = found;
    if (program >= elements.length) return undefined;
    if (command.hasPlaceholder(program)) return programProblem(program);
  }
  const shell = basename(command.literal(program));
  return SHELL_NAMES.has(shell) ? findShellProblem(command, shell, program) : undefined;
}

interface CommandView {
  readonly length: number;
  /** The first part of an element: whether it starts with literal text or a value. */
  first(index: number): TemplatePart | undefined;
  hasPlaceholder(index: number): boolean;
  /** The element's literal text; only meaningful for an element without placeholders. */
  literal(index: number): string;
}

function viewCommand(elements: readonly (readonly TemplatePart[])[]): CommandView {
  return {
    length: elements.length,
    first: (index) => elements[index]?.[0],
    hasPlaceholder: (index) => elements[index]?.some((part) => part.kind === 'param') ?? false,
    literal: (index) => (elements[index] ?? []).map((part) => (part.kind === 'text' ? part.text : '')).join(''),
  };
}

function programProblem(index: number): UnsafePlaceholder {
  return { index, reason: 'the program to run must not contain placeholders' };
}

/** The index of the program `env` (command[0]) runs, past its options and assignments. */
function findEnvProgram(command: CommandView): number | UnsafePlaceholder {
  for (let index = 1; index < command.length; index += 1) {
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
  return command.length;
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

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
