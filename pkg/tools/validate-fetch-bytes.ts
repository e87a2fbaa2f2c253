import { WorkerError } from '../errors/index.js';

/** Checks options.maxFetchBytes when the web tools are made: curl reads 0 as "no limit". */
export function validateFetchBytes(maxFetchBytes: number): number {
  if (!Number.isSafeInteger(maxFetchBytes) || maxFetchBytes <= 0) {
    throw new WorkerError('INVALID_PARAMS', `maxFetchBytes must be a positive integer, got ${String(maxFetchBytes)}`);
  }
  return maxFetchBytes;
}
