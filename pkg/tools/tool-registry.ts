import { WorkerError } from '../errors/index.js';
import type { ToolSpec } from './tool-spec.js';
import { quoteValue } from '../errors/quote-value.js';
import { isBuiltinToolType } from '../protocol/tool-params.js';
import { validateToolSpec } from './validate-tool-spec.js';

export interface RegisterOptions {
  /** Allow replacing a tool of the same type (built-in or registered earlier). */
  readonly replace?: boolean;
}

/** The tools a worker serves, by type, in registration order. */
export class ToolRegistry {
  readonly #specs = new Map<string, ToolSpec>();

  /**
   * Adds a tool after validateToolSpec. A type already present (a built-in, or a tool registered
   * earlier) is only replaced with `{ replace: true }`. Throws INVALID_PARAMS.
   */
  register(spec: ToolSpec, options: RegisterOptions = {}): this {
    validateToolSpec(spec);
    if (this.#specs.has(spec.type) && options.replace !== true) {
      const what = isBuiltinToolType(spec.type) ? 'a built-in tool' : 'already registered';
      throw new WorkerError(
        'INVALID_PARAMS',
        `tool ${spec.type} is ${what}; register it with { replace: true } to replace it`,
      );
    }
    this.#specs.set(spec.type, spec);
    return this;
  }

  all(): ToolSpec[] {
    return [...this.#specs.values()];
  }

  get(type: string): ToolSpec | undefined {
    return this.#specs.get(type);
  }

  /** The tool of this type; throws UNKNOWN_TOOL naming it and the known tools. */
  require(type: string): ToolSpec {
    const spec = this.#specs.get(type);
    if (spec === undefined) {
      const known = [...this.#specs.keys()].join(', ') || 'none';
      throw new WorkerError('UNKNOWN_TOOL', `unknown tool ${quoteValue(type)}; known tools: ${known}`);
    }
    return spec;
  }
}
