import { InvalidValueError, showValue } from './invalid-value-error.js';
import { groupNameProblem } from '../placement/label-rules.js';

/** A worker group's name (see GROUP_NAME). */
export function parseGroupName(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidValueError(`${showValue(raw)} is not a string`);
  const problem = groupNameProblem(raw);
  if (problem !== undefined) throw new InvalidValueError(problem);
  return raw;
}
