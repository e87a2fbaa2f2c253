import { envVarName, type OptionSpec, type OptionSpecs } from './option-spec.js';

export interface HelpTextInput {
  readonly command: string;
  readonly summary: string;
  readonly envPrefix: string;
  readonly defaultConfigFile: string;
  readonly specs: OptionSpecs;
  /** Extra paragraphs after the option list (file-only settings, examples). */
  readonly notes?: readonly string[];
}

/** Usage text: every flag with its placeholder, description, default, env variables and file key. */
export function formatHelpText(input: HelpTextInput): string {
  const specs = Object.values(input.specs);
  const lines = [
    `Usage: ${input.command} [options]`,
    '',
    input.summary,
    '',
    'Each option is taken from, in order: its flag, its environment variable, the config file, its default.',
    'Flags are written --name value or --name=value. Durations take a unit (250ms, 30s, 5m, 1h);',
    'sizes are bytes, or take a binary unit (64k, 128m, 10MiB). Empty environment variables are ignored.',
    '',
    'Options:',
  ];
  for (const spec of specs) {
    if (spec.flag === undefined) continue;
    lines.push(...describe(spec, input.envPrefix));
  }
  lines.push(
    `  --config <file>`,
    `      Config file, YAML or JSON (.json). Keys are shown as "file:" above; see config/*.example.yaml.`,
    `      default: ${input.defaultConfigFile} if it exists; env: ${input.envPrefix}CONFIG`,
    '  -h, --help',
    '      Print this help and exit.',
  );
  for (const spec of specs) {
    if (spec.flag !== undefined) continue;
    lines.push('', `Config file only: ${spec.key}`, ...wrap(spec.doc, '  '));
  }
  for (const note of input.notes ?? []) lines.push('', ...wrap(note, ''));
  return `${lines.join('\n')}\n`;
}

function describe(spec: OptionSpec<unknown>, envPrefix: string): string[] {
  const flag = spec.flag ?? '';
  const envs = [envVarName(envPrefix, flag), ...(spec.fallbackEnv ?? [])].join(', ');
  const defaultText = spec.defaultText ?? (typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default));
  return [
    `  --${flag}${spec.metavar === undefined ? '' : ` <${spec.metavar}>`}`,
    ...wrap(spec.doc, '      '),
    `      default: ${defaultText}; env: ${envs}; file: ${spec.key}`,
  ];
}

function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line.length === 0 ? word : `${line} ${word}`;
    }
  }
  if (line.length > 0) lines.push(indent + line);
  return lines;
}
