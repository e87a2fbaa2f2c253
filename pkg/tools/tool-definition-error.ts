import { WorkerError } from '../errors/index.js';

/**
 * A configured tool definition that cannot be used (INVALID_PARAMS). `field` locates the fault
 * inside the definition (`command[2]`, `params.size.default`) and `reason` says what is wrong, so
 * the config loader can name `tools.custom[i].<field>`.
 */
export class ToolDefinitionError extends WorkerError {
  constructor(
    readonly tool: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super('INVALID_PARAMS', `tool ${tool}: ${field}: ${reason}`);
  }
}

export function isToolDefinitionError(error: unknown): error is ToolDefinitionError {
  return error instanceof ToolDefinitionError;
}
