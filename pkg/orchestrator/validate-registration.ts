import type { RegisterRequest } from '../gen/agent/v1/agent.js';
import { effectiveGroup } from '../placement/placement.js';
import { groupNameProblem, labelsProblem } from '../placement/label-rules.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether `value` holds control characters (C0, DEL, C1), which a terminal or log would obey. */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** Longest name and hostname a worker may register with (a DNS name's length), and version. */
export const MAX_WORKER_NAME = 253;
export const MAX_VERSION = 64;

/** Why a text field is not a plain name: empty when required, too long, or with control characters. */
export function textProblem(field: string, value: string, maxLength: number, required = false): string | undefined {
  if (required && value === '') return `${field} is required`;
  if (value.length > maxLength) return `${field} is ${value.length} characters long, more than the ${maxLength} allowed`;
  if (hasControlCharacters(value)) return `${field} contains control characters`;
  return undefined;
}

/**
 * Why a Register request is refused (INVALID_ARGUMENT), or undefined. What a worker says of
 * itself is shown to operators (ListWorkers, task watch) and put in logs and metrics labels: only
 * plain names, bounded, a valid group and valid labels.
 */
export function registrationProblem(request: RegisterRequest): string | undefined {
  return (
    textProblem('name', request.name, MAX_WORKER_NAME, true) ??
    textProblem('hostname', request.hostname, MAX_WORKER_NAME) ??
    textProblem('version', request.version, MAX_VERSION) ??
    groupNameProblem(effectiveGroup(request.group)) ??
    labelsProblem(request.labels)
  );
}
