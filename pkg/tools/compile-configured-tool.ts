import { CONFIGURED_PARAM_NAME, type ConfiguredParam, type ConfiguredToolDefinition } from './configured-tool-definition.js';
import { compileConfiguredParam, showValue, type CompiledParam } from './compile-configured-param.js';
import { findUnsafePlaceholder } from './find-unsafe-placeholder.js';
import { parseCommandTemplate, placeholderNames, TemplateSyntaxError, type TemplatePart } from './parse-command-template.js';
import { ToolDefinitionError } from './tool-definition-error.js';
import { TOOL_TYPE_PATTERN } from '../protocol/tool-params.js';

/** One argv element of a configured tool, parsed. */
export interface CompiledCommandElement {
  readonly parts: readonly TemplatePart[];
  /** Set when the element is exactly `{name}` of an optional parameter without default: dropped when absent. */
  readonly dropWhenAbsent: string | undefined;
}

/** A checked definition: its parameters' rules and its command, ready to substitute. */
export interface CompiledConfiguredTool {
  readonly name: string;
  readonly params: ReadonlyMap<string, CompiledParam>;
  readonly command: readonly CompiledCommandElement[];
}

const DEFINITION_KEYS: readonly string[] = [
  'name',
  'description',
  'image',
  'command',
  'interpolate',
  'params',
  'network',
  'mount',
  'runtime',
  'limits',
  'timeoutMs',
] satisfies (keyof ConfiguredToolDefinition)[];

/**
 * Checks the parts of a definition that are about its parameters and command, and compiles
 * them. Throws ToolDefinitionError (INVALID_PARAMS) naming the field at fault: an invalid name,
 * an empty command, a template error, a placeholder naming no declared parameter, a placeholder
 * inside a longer element for a parameter that may be absent, a declared parameter the command
 * never uses, a placeholder where it could change what runs (findUnsafePlaceholder), or a
 * parameter whose rules or default are invalid. Image, network, mount, limits and timeout are
 * checked when the spec is made (validateToolSpec).
 */
export function compileConfiguredTool(definition: ConfiguredToolDefinition): CompiledConfiguredTool {
  if (typeof definition !== 'object' || definition === null) {
    throw new ToolDefinitionError('?', 'definition', 'must be an object with at least a name and a command');
  }
  const name: unknown = definition.name;
  const shownName = typeof name === 'string' && TOOL_TYPE_PATTERN.test(name) ? name : showValue(name);
  const fault = (field: string, reason: string): never => {
    throw new ToolDefinitionError(shownName, field, reason);
  };
  if (typeof name !== 'string' || !TOOL_TYPE_PATTERN.test(name)) {
    fault('name', `${showValue(name)} is not a tool name (lower case letter, then up to 63 of a-z, 0-9, _ and -)`);
  }
  for (const key of Object.keys(definition)) {
    if (!DEFINITION_KEYS.includes(key)) fault(key, `unknown key (expected one of ${DEFINITION_KEYS.join(', ')})`);
  }

  const params = compileParams(definition.params, fault);
  const interpolate: unknown = definition.interpolate ?? false;
  if (typeof interpolate !== 'boolean') fault('interpolate', `${showValue(interpolate)} is not true or false`);
  const command = compileCommand(definition.command, params, interpolate === true, fault);

  const used = new Set(command.flatMap((element) => placeholderNames(element.parts)));
  for (const param of params.keys()) {
    if (!used.has(param)) fault(`params.${param}`, `is declared but command never uses {${param}}`);
  }
  const unsafe = findUnsafePlaceholder(command.map((element) => element.parts));
  if (unsafe !== undefined) fault(`command[${unsafe.index}]`, unsafe.reason);
  return { name: shownName, params, command };
}

function compileParams(raw: unknown, fault: (field: string, reason: string) => never): Map<string, CompiledParam> {
  const params = new Map<string, CompiledParam>();
  if (raw === undefined || raw === null) return params;
  if (typeof raw !== 'object' || Array.isArray(raw)) fault('params', 'must be a mapping of parameter name to its rules');
  for (const [name, param] of Object.entries(raw as Record<string, ConfiguredParam>)) {
    if (!CONFIGURED_PARAM_NAME.test(name)) {
      fault(`params.${name}`, `${showValue(name)} is not a parameter name (a letter, then up to 63 letters, digits and _)`);
    }
    params.set(
      name,
      compileConfiguredParam(name, param, (field, reason) => fault(field === '' ? `params.${name}` : `params.${name}.${field}`, reason)),
    );
  }
  return params;
}

function compileCommand(
  raw: unknown,
  params: ReadonlyMap<string, CompiledParam>,
  interpolate: boolean,
  fault: (field: string, reason: string) => never,
): CompiledCommandElement[] {
  if (!Array.isArray(raw) || raw.length === 0) fault('command', 'must be a non-empty list of strings (the argv)');
  const declared = [...params.keys()];
  return (raw as unknown[]).map((element, index): CompiledCommandElement => {
    const field = `command[${index}]`;
    if (typeof element !== 'string') fault(field, `${showValue(element)} is not a string (quote numbers: "5")`);
    const text = element as string;
    if (text.includes('\0')) fault(field, 'must not contain a NUL byte');
    if (index === 0 && text === '') fault(field, 'the program must not be empty');
    let parts: TemplatePart[] = [];
    try {
      parts = parseCommandTemplate(text);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      fault(field, error.message);
    }
    for (const placeholder of placeholderNames(parts)) {
      if (!params.has(placeholder)) {
        const known = declared.length === 0 ? 'the tool declares no params' : `declared: ${declared.join(', ')}`;
        fault(field, `{${placeholder}} is not a declared parameter (${known}); write {{ and }} for literal braces`);
      }
    }
    const [only] = parts;
    const whole = parts.length === 1 && only?.kind === 'param' ? only.name : undefined;
    if (whole !== undefined) {
      const param = params.get(whole);
      const optional = param !== undefined && !param.required && param.defaultText === undefined;
      return { parts, dropWhenAbsent: optional ? whole : undefined };
    }
    const [embedded] = placeholderNames(parts);
    if (embedded !== undefined && !interpolate) {
      // Trust: the operator wrote the element, the task only the value. A value inside a longer
      // element ends up in text some program parses (a shell script, a URL, key=value), where it
      // can become more than one argument's worth; as a whole element it is one argument, nothing more.
      fault(
        field,
        `{${embedded}} is inside a longer argument (${showValue(text)}); a placeholder must be a whole argument, e.g. ` +
          `[sh, -c, 'echo "$1"', sh, "{${embedded}}"], unless the tool sets interpolate: true (which still refuses ` +
          'placeholders in a program, an interpreter\'s code or options)',
      );
    }
    for (const placeholder of placeholderNames(parts)) {
      const param = params.get(placeholder);
      if (param !== undefined && !param.required && param.defaultText === undefined) {
        fault(
          field,
          `{${placeholder}} is part of a longer argument, so it always needs a value: make ${placeholder} required or ` +
            `give it a default (only an argument that is exactly {${placeholder}} is left out when it is absent)`,
        );
      }
    }
    return { parts, dropWhenAbsent: undefined };
  });
}
