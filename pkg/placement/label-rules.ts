/**
 * Names of worker groups and labels, shared by the worker (which declares them), the
 * orchestrator (which matches tasks to them) and the task CLI (which asks for them).
 */

/** The group of a worker that gives none. */
export const DEFAULT_GROUP = 'default';

/** Lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit, 1–63 characters. */
export const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit, 1–63 characters. */
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

/** Letters, digits, `.`, `_`, `-`, `:`, `/` and `+`, at most 63 characters (may be empty). */
export const LABEL_VALUE = /^[A-Za-z0-9._:/+-]{0,63}$/;

/** Label keys under this prefix are filled in by the worker itself (see platformLabels). */
export const PLATFORM_PREFIX = 'platform.';

/** Labels one worker or one task may carry, at most. */
export const MAX_LABELS = 64;

/** Why `group` is not a group name, or undefined when it is one. */
export function groupNameProblem(group: string): string | undefined {
  if (GROUP_NAME.test(group)) return undefined;
  return `group ${JSON.stringify(group.slice(0, 80))} is not 1–63 lower-case letters, digits, ".", "_" or "-" (starting with a letter or digit)`;
}

/** Why a label is not acceptable, or undefined when it is. */
export function labelProblem(key: string, value: string): string | undefined {
  if (!LABEL_KEY.test(key)) {
    return `label key ${JSON.stringify(key.slice(0, 80))} is not 1–63 letters, digits, ".", "_", "-" or "/" (starting with a letter or digit)`;
  }
  if (!LABEL_VALUE.test(value)) {
    return `label ${key}: value ${JSON.stringify(value.slice(0, 80))} is not at most 63 letters, digits, ".", "_", "-", ":", "/" or "+"`;
  }
  return undefined;
}

/** Why a set of labels is not acceptable (the first problem), or undefined. */
export function labelsProblem(labels: Readonly<Record<string, string>>): string | undefined {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) return `${entries.length} labels: at most ${MAX_LABELS}`;
  for (const [key, value] of entries) {
    const problem = labelProblem(key, value);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * `key=value` pairs separated by commas (`zone=a,disk=ssd`) as a record; a key given twice
 * keeps its last value. Throws an Error naming the first bad pair.
 */
export function parseLabelPairs(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const pair = part.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${JSON.stringify(pair.slice(0, 80))} is not key=value`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const problem = labelProblem(key, value);
    if (problem !== undefined) throw new Error(problem);
    labels[key] = value;
  }
  return labels;
}
