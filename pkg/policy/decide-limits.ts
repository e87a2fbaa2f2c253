import type { Caps, Decision, Policy } from './policy.js';

export interface RequestedLimits {
  readonly limits: { readonly cpus: number; readonly memoryBytes: number; readonly pids: number };
  readonly timeoutMs: number;
  readonly outputCapBytes: number;
}

export interface LimitsDecision extends RequestedLimits {
  /** One decision per capped value that was exceeded, or a single `allow` when none was. */
  readonly decisions: readonly Decision[];
}

const FIELDS = [
  { cap: 'cpus', rule: 'caps.cpus', show: (n: number) => `${n} CPUs` },
  { cap: 'memoryBytes', rule: 'caps.memory', show: (n: number) => `${n} bytes of memory` },
  { cap: 'pids', rule: 'caps.pids', show: (n: number) => `${n} PIDs` },
  { cap: 'timeoutMs', rule: 'caps.timeout', show: (n: number) => `a timeout of ${n} ms` },
  { cap: 'outputBytes', rule: 'caps.output', show: (n: number) => `${n} bytes of output` },
] as const satisfies ReadonlyArray<{ cap: keyof Caps; rule: string; show: (n: number) => string }>;

/**
 * Holds a task's limits (from its tool spec and the task) to the policy's caps. A value above
 * its cap (or not a positive finite number, i.e. unlimited) is a violation: strict refuses the
 * task (every violation is reported), permissive lowers the value to the cap. Disabled, or no
 * caps: the values stand.
 */
export function decideLimits(policy: Policy, requested: RequestedLimits): LimitsDecision {
  const values: Record<keyof Caps, number> = {
    cpus: requested.limits.cpus,
    memoryBytes: requested.limits.memoryBytes,
    pids: requested.limits.pids,
    timeoutMs: requested.timeoutMs,
    outputBytes: requested.outputCapBytes,
  };
  const decisions: Decision[] = [];
  if (policy.mode !== 'disabled') {
    for (const field of FIELDS) {
      const cap = policy.caps[field.cap];
      const value = values[field.cap];
      if (cap === undefined || (value > 0 && Number.isFinite(value) && value <= cap)) continue;
      const asked = value > 0 && Number.isFinite(value) ? field.show(value) : 'no limit';
      if (policy.mode === 'strict') {
        decisions.push({ verdict: 'deny', rule: field.rule, reason: `asked for ${asked}, the cap is ${field.show(cap)}` });
      } else {
        decisions.push({ verdict: 'clamp', rule: field.rule, reason: `asked for ${asked}, lowered to the cap of ${field.show(cap)}` });
        values[field.cap] = cap;
      }
    }
  }
  if (decisions.length === 0) {
    decisions.push({ verdict: 'allow', rule: policy.mode === 'disabled' ? 'mode: disabled' : 'caps', reason: 'limits within the caps' });
  }
  return {
    limits: { cpus: values.cpus, memoryBytes: values.memoryBytes, pids: values.pids },
    timeoutMs: values.timeoutMs,
    outputCapBytes: values.outputBytes,
    decisions,
  };
}
