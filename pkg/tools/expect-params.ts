import { WorkerError } from '../errors/index.js';
import type { TaskParams } from './tool-spec.js';
import { PARAMS_MESSAGE_NAMES, type ParamsCase, type ParamsValue } from '../protocol/tool-params.js';
import { quoteValue } from '../errors/quote-value.js';

/**
 * Returns the task's params when they are of the case the tool takes; otherwise throws
 * INVALID_PARAMS naming the expected message (`file_read expects FileReadParams ...`).
 */
export function expectParams<C extends ParamsCase>(
  params: TaskParams | undefined,
  expected: C,
  toolType: string,
): ParamsValue<C> {
  const actual: unknown = params?.$case;
  if (params === undefined || actual !== expected) {
    const got = actual === undefined ? 'no params' : `params case ${quoteValue(actual)}`;
    throw new WorkerError(
      'INVALID_PARAMS',
      `${toolType} expects ${PARAMS_MESSAGE_NAMES[expected]} (params case ${expected}), got ${got}`,
    );
  }
  const value = (params as unknown as Readonly<Record<C, unknown>>)[expected];
  if (typeof value !== 'object' || value === null) {
    throw new WorkerError('INVALID_PARAMS', `${toolType}: ${PARAMS_MESSAGE_NAMES[expected]} is missing`);
  }
  return value as ParamsValue<C>;
}
