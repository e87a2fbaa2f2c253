import { isWorkerError } from '../errors/index.js';
import { findMountRoot, formatMountRoot, pathContains, type MountRoot } from '../mounts/mount-root.js';
import { checkMountAllowed } from '../worker/check-mount-allowed.js';
import type { Decision, MountRule, Policy } from './policy.js';

export interface MountDecision extends Decision {
  /** Whether the mount may be writable after the decision (false when clamped to read-only). */
  readonly writable: boolean;
  /** The mount root the source lies under (who the task runs as), when it lies under one. */
  readonly root?: MountRoot;
}

/**
 * Decides a task's mount. `realSource` must be the mount source's real path (symlinks
 * followed): rules are matched against it.
 *
 * 1. The never-mountable set (checkMountAllowed) is refused in every mode, `disabled` included.
 * 2. So is any source under none of the mount roots (`roots`: --mount-root, and the policy's
 *    `mountRoots`): with no root named, nothing is mounted.
 * 3. `disabled`: allowed as asked.
 * 4. The longest rule prefix that contains the source decides (whole path components:
 *    `/home/a` does not match `/home/ab`); among rules with the same prefix the most restrictive wins (`denied`, then `readonly`).
 *    - `readwrite`: allowed; `readonly`: allowed read-only, and a write request is refused
 *      (strict) or clamped to read-only (permissive); `denied`: refused (strict) or clamped to
 *      read-only (permissive: the task still runs, but cannot change anything there).
 * 5. No rule matches: allowed when the policy has no mount rules at all; otherwise refused
 *    (strict) or allowed as asked and recorded (permissive).
 */
export function decideMount(
  policy: Policy,
  realSource: string,
  writableRequested: boolean,
  protectedPaths: readonly string[],
  roots: readonly MountRoot[] = [],
): MountDecision {
  try {
    checkMountAllowed(realSource, protectedPaths);
  } catch (error) {
    if (!isWorkerError(error)) throw error;
    return { verdict: 'deny', rule: 'never-mountable', reason: error.message, writable: false };
  }
  const shown = JSON.stringify(realSource);
  const allRoots = [...roots, ...policy.mountRoots];
  const root = findMountRoot(allRoots, realSource);
  if (root === undefined) {
    const named = allRoots.length === 0 ? 'none is named' : `the roots are ${allRoots.map((r) => r.path).join(', ')}`;
    return {
      verdict: 'deny',
      rule: 'mount-roots',
      reason: `${shown} is under no mount root: tasks mount only under directories the operator names with --mount-root DIR (or mountRoots in the policy), and ${named}`,
      writable: false,
    };
  }
  const decided = decideWithinRoot(policy, realSource, writableRequested, shown);
  return { ...decided, root, reason: `${decided.reason} (mount root ${formatMountRoot(root)})` };
}

function decideWithinRoot(policy: Policy, realSource: string, writableRequested: boolean, shown: string): MountDecision {
  const strict = policy.mode === 'strict';
  if (policy.mode === 'disabled') {
    return { verdict: 'allow', rule: 'mode: disabled', reason: `policy disabled: ${shown} mounted as asked`, writable: writableRequested };
  }
  const rule = findMountRule(policy.mounts, realSource);
  if (rule === undefined) {
    if (policy.mounts.length === 0) {
      return { verdict: 'allow', rule: 'mounts: none', reason: `no mount rules: ${shown} may be mounted`, writable: writableRequested };
    }
    const reason = `no mount rule matches ${shown}`;
    return strict
      ? { verdict: 'deny', rule: 'mounts: unlisted', reason, writable: false }
      : { verdict: 'allow', rule: 'mounts: unlisted', reason: `${reason} (permissive: allowed)`, writable: writableRequested };
  }
  const ruleName = `mounts: ${rule.prefix} ${rule.access}`;
  switch (rule.access) {
    case 'readwrite':
      return { verdict: 'allow', rule: ruleName, reason: `${shown} may be mounted read-write`, writable: writableRequested };
    case 'readonly':
      if (!writableRequested) return { verdict: 'allow', rule: ruleName, reason: `${shown} may be mounted read-only`, writable: false };
      return strict
        ? { verdict: 'deny', rule: ruleName, reason: `${shown} may only be mounted read-only, the task asked to write`, writable: false }
        : { verdict: 'clamp', rule: ruleName, reason: `${shown} may only be mounted read-only: write access removed`, writable: false };
    case 'denied':
      return strict
        ? { verdict: 'deny', rule: ruleName, reason: `${shown} may not be mounted`, writable: false }
        : { verdict: 'clamp', rule: ruleName, reason: `${shown} may not be mounted (permissive: mounted read-only)`, writable: false };
  }
}

const RESTRICTIVENESS = { readwrite: 0, readonly: 1, denied: 2 } as const;

/** The rule with the longest prefix containing `source`; the most restrictive among rules of equal prefix (`denied` wins). */
export function findMountRule(rules: readonly MountRule[], source: string): MountRule | undefined {
  let best: MountRule | undefined;
  for (const rule of rules) {
    if (!pathContains(rule.prefix, source)) continue;
    if (
      best === undefined ||
      rule.prefix.length > best.prefix.length ||
      (rule.prefix.length === best.prefix.length && RESTRICTIVENESS[rule.access] > RESTRICTIVENESS[best.access])
    ) {
      best = rule;
    }
  }
  return best;
}
