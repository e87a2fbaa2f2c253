import { WorkerError } from '../errors/index.js';
import type { CompiledConfiguredTool } from './compile-configured-tool.js';
import { quoteValue } from '../errors/quote-value.js';

/**
 * The argv of a configured tool for a task's values (CustomParams.values, hostile input).
 * Every sent key must be a declared parameter, every required one must be sent and not empty, and every value
 * must pass its parameter's rules; absent optional ones take their default, or drop the element
 * that is exactly their placeholder. Each value is put inside its own element as it is: never
 * split, never seen by a shell. Throws INVALID_PARAMS naming the parameters at fault.
 */
export function buildConfiguredArgv(tool: CompiledConfiguredTool, values: unknown): string[] {
  const sent: Readonly<Record<string, unknown>> = typeof values === 'object' && values !== null ? (values as Record<string, unknown>) : {};
  const unknown = Object.keys(sent).filter((key) => !tool.params.has(key));
  if (unknown.length > 0) {
    const declared = tool.params.size === 0 ? `${tool.name} takes no parameters` : `${tool.name} takes: ${[...tool.params.keys()].join(', ')}`;
    throw new WorkerError('INVALID_PARAMS', `${tool.name}: unknown parameter${plural(unknown)} ${unknown.map(quoteValue).join(', ')}; ${declared}`);
  }

  const resolved = new Map<string, string>();
  const missing: string[] = [];
  for (const param of tool.params.values()) {
    if (Object.hasOwn(sent, param.name)) {
      const value = sent[param.name];
      // A required string sent empty is as missing as one not sent (proto3 cannot tell them apart
      // for a built-in field either); an optional one may be sent empty on purpose. (An empty
      // integer or boolean fails its own rule below.)
      if (param.required && param.type === 'string' && value === '') {
        missing.push(param.name);
        continue;
      }
      const problem = typeof value === 'string' ? param.problemWith(value) : 'must be a string';
      if (problem !== undefined) {
        throw new WorkerError('INVALID_PARAMS', `${tool.name}: parameter ${quoteValue(param.name)} ${problem}`);
      }
      resolved.set(param.name, value as string);
    } else if (param.defaultText !== undefined) {
      resolved.set(param.name, param.defaultText);
    } else if (param.required) {
      missing.push(param.name);
    }
  }
  if (missing.length > 0) {
    throw new WorkerError('INVALID_PARAMS', `${tool.name}: missing required parameter${plural(missing)} ${missing.map(quoteValue).join(', ')}`);
  }

  return tool.command.flatMap((element) => {
    if (element.dropWhenAbsent !== undefined && !resolved.has(element.dropWhenAbsent)) return [];
    // Every other placeholder has a value: the definition was checked at compile time.
    return [element.parts.map((part) => (part.kind === 'text' ? part.text : (resolved.get(part.name) ?? ''))).join('')];
  });
}

function plural(items: readonly unknown[]): string {
  return items.length === 1 ? '' : 's';
}
