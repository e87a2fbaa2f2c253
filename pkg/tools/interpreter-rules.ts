import { quoteValue } from '../errors/quote-value.js';
import type { CommandView, UnsafePlaceholder } from './command-view.js';

/** How an interpreter takes its code: an option's value (-e, -c) or its first operand. */
interface InterpreterRule {
  /** Options whose value is code (`perl -e CODE`, also attached: `-eCODE`, `--eval=CODE`). */
  readonly code: readonly string[];
  /** Other options that take a value (next element, or attached); a module to load counts here. */
  readonly values: readonly string[];
  /** Options without a value; short ones may be clustered. */
  readonly flags: readonly string[];
  /** Short options whose value, if any, can only be attached (`perl -Mstrict`, `-l`, `-0777`): never the next element. */
  readonly attached?: readonly string[];
  /** Its first operand is program text (awk, sed) rather than a script file, unless code came by option. */
  readonly operandIsCode?: true;
  /** After the code option, nothing is an option any more (python -c, -m): the rest are arguments. */
  readonly stopsAfterCode?: true;
}

const PYTHON: InterpreterRule = {
  code: ['-c', '-m'],
  values: ['-W', '-X', '-Q'],
  flags: ['-b', '-B', '-d', '-E', '-i', '-I', '-O', '-OO', '-P', '-q', '-s', '-S', '-u', '-v', '-x', '-R', '-3'],
  stopsAfterCode: true,
};
const AWK: InterpreterRule = {
  code: ['-e', '--source', '-f', '--file', '-E', '--exec', '-i', '--include', '-l', '--load'],
  values: ['-F', '--field-separator', '-v', '--assign'],
  flags: ['-b', '-c', '-C', '-d', '-D', '-g', '-h', '-L', '-M', '-n', '-N', '-o', '-O', '-p', '-P', '-r', '-s', '-S', '-t', '-V', '--posix', '--traditional', '--sandbox', '--lint'],
  operandIsCode: true,
};

/**
 * Interpreters whose code could come from a placeholder. Each rule lists the options this check
 * knows; any other option is refused in a command with placeholders (it might take a value and
 * move the code). Shells are judged by find-unsafe-placeholder.ts.
 */
export const INTERPRETERS: Readonly<Record<string, InterpreterRule>> = {
  perl: {
    code: ['-e', '-E'],
    values: [],
    flags: ['-a', '-c', '-n', '-p', '-s', '-S', '-t', '-T', '-u', '-U', '-w', '-W', '-X'],
    attached: ['-M', '-m', '-d', '-x', '-I', '-i', '-l', '-0', '-F', '-C'],
  },
  python: PYTHON,
  python2: PYTHON,
  python3: PYTHON,
  pypy: PYTHON,
  pypy3: PYTHON,
  node: {
    code: ['-e', '--eval', '-p', '--print', '-r', '--require', '--import', '--loader', '--experimental-loader'],
    values: ['--title', '--input-type', '--stack-size'],
    flags: ['-i', '--interactive', '--no-warnings', '--no-deprecation', '--enable-source-maps', '--experimental-vm-modules', '--use-strict', '--jitless', '--trace-warnings'],
  },
  nodejs: { code: ['-e', '--eval', '-p', '--print', '-r', '--require', '--import'], values: [], flags: ['--no-warnings'] },
  ruby: {
    code: ['-e', '-r'],
    values: ['-I', '-C', '-E'],
    flags: ['-a', '-c', '-d', '-l', '-n', '-p', '-s', '-S', '-v', '-w'],
    attached: ['-x', '-i', '-0', '-F', '-K', '-W'],
  },
  php: { code: ['-r', '-B', '-R', '-E', '-F'], values: ['-d', '-c', '-z'], flags: ['-n', '-q', '-H', '-e'] },
  lua: { code: ['-e', '-l'], values: [], flags: ['-i', '-v', '-E', '-W'] },
  luajit: { code: ['-e', '-l', '-j', '-O', '-b'], values: [], flags: ['-i', '-v', '-E'] },
  Rscript: { code: ['-e'], values: [], flags: ['--vanilla', '--verbose', '--no-echo', '--no-environ', '--no-site-file', '--no-init-file', '--restore', '--save', '--no-save'] },
  tclsh: { code: [], values: ['-encoding'], flags: [] },
  expect: { code: ['-c', '-f'], values: [], flags: ['-d', '-D', '-i', '-n', '-N', '-b', '-v'] },
  awk: AWK,
  gawk: AWK,
  mawk: AWK,
  nawk: AWK,
  sed: {
    code: ['-e', '--expression', '-f', '--file'],
    values: ['-l', '--line-length'],
    flags: ['-n', '--quiet', '--silent', '-E', '-r', '--regexp-extended', '-s', '--separate', '-u', '--unbuffered', '-z', '--null-data', '--posix', '--debug', '--sandbox', '--in-place'],
    attached: ['-i'],
    operandIsCode: true,
  },
  dc: { code: ['-e', '--expression', '-f', '--file'], values: [], flags: [] },
};

/** The rule for a program name (`python3.11` is python's). */
export function interpreterRule(name: string): InterpreterRule | undefined {
  if (Object.hasOwn(INTERPRETERS, name)) return INTERPRETERS[name];
  if (/^python[23](\.\d+)?$/.test(name) || /^pypy[23]?(\.\d+)?$/.test(name)) return PYTHON;
  return undefined;
}

/**
 * A placeholder in an interpreter's code, in its options, or where it could become either: in
 * the code option's value, in the script (or, for awk and sed, the program text) operand, or
 * among the options before the code. Values go in as arguments after the code, behind `--` where
 * the interpreter would still read options there.
 */
export function findInterpreterProblem(command: CommandView, name: string, rule: InterpreterRule, program: number): UnsafePlaceholder | undefined {
  const codeProblem = (index: number, option: string): UnsafePlaceholder => ({
    index,
    reason:
      `placeholders in the code of ${name} (${option}) would run as ${name} code; pass values as arguments after the code ` +
      `instead${rule.stopsAfterCode === true ? '' : ', behind "--"'} (e.g. [perl, -e, 'print $ARGV[0]', --, "{x}"], [python3, -c, 'import sys; print(sys.argv[1])', "{x}"])`,
  });
  const optionProblem = (index: number): UnsafePlaceholder => ({
    index,
    reason: `a placeholder among the options of ${name} could become an option or its code; pass values as arguments after the code, behind "--"`,
  });
  let codeSeen = false;
  for (let index = program + 1; index < command.length; index += 1) {
    if (command.hasPlaceholder(index)) {
      const first = command.first(index);
      const operand = first?.kind === 'text' && !first.text.startsWith('-');
      if (codeSeen && (rule.stopsAfterCode === true || operand)) return undefined;
      if (!codeSeen && operand) return codeProblem(index, rule.operandIsCode === true ? 'its program text' : 'its script file');
      return optionProblem(index);
    }
    const arg = command.literal(index);
    if (arg === '--') {
      if (codeSeen) return undefined;
      return command.hasPlaceholder(index + 1) ? codeProblem(index + 1, rule.operandIsCode === true ? 'its program text' : 'its script file') : undefined;
    }
    if (!arg.startsWith('-') || arg === '-') {
      // The first operand: arguments follow (the code came by option), or it is the script / program text.
      return undefined;
    }
    const option = classifyOption(arg, rule);
    if (option === undefined) {
      return { index, reason: `unknown option ${quoteValue(arg)} of ${name}: cannot tell where its code is` };
    }
    if (option.code) codeSeen = true;
    if (option.takesNext) {
      index += 1;
      if (command.hasPlaceholder(index)) return option.code ? codeProblem(index, arg) : optionProblem(index);
      if (option.code && rule.stopsAfterCode === true) return undefined;
    }
  }
  return undefined;
}

/** What an option is: code or not, and whether the next element is its value; undefined: unknown. */
function classifyOption(arg: string, rule: InterpreterRule): { code: boolean; takesNext: boolean } | undefined {
  if (arg.startsWith('--')) {
    const name = arg.split('=', 1)[0] ?? arg;
    const attached = arg.includes('=');
    if (rule.code.includes(name)) return { code: true, takesNext: !attached };
    if (rule.values.includes(name)) return { code: false, takesNext: !attached };
    return rule.flags.includes(arg) ? { code: false, takesNext: false } : undefined;
  }
  if (rule.flags.includes(arg)) return { code: false, takesNext: false };
  for (let i = 1; i < arg.length; i += 1) {
    const option = `-${arg[i]}`;
    const last = i === arg.length - 1;
    if (rule.code.includes(option)) return { code: true, takesNext: last };
    if (rule.values.includes(option)) return { code: false, takesNext: last };
    if (rule.attached?.includes(option) === true) return { code: false, takesNext: false };
    if (!rule.flags.includes(option)) return undefined;
  }
  return { code: false, takesNext: false };
}
