import type { Decision, Policy } from './policy.js';

export interface RuntimeDecision extends Decision {
  /** The runtime to run under; undefined means the engine's default. */
  readonly runtime: string | undefined;
}

/**
 * Applies a forced runtime: `runtimes.custom` for custom tools (it wins over `all` for them),
 * `runtimes.all` for every tool. Forcing is what the policy asks for, not a violation: in strict
 * and permissive modes alike the requested runtime is replaced (verdict `clamp`, recorded).
 * Disabled, or nothing forced: the requested runtime stands.
 */
export function decideRuntime(policy: Policy, custom: boolean, requested: string | undefined): RuntimeDecision {
  const asked = requested ?? 'the engine default';
  if (policy.mode === 'disabled') return { verdict: 'allow', rule: 'mode: disabled', reason: `runtime ${asked} as asked`, runtime: requested };
  const [rule, forced] =
    custom && policy.runtimes.custom !== undefined ? ['runtimes.custom', policy.runtimes.custom] : ['runtimes.all', policy.runtimes.all];
  if (forced === undefined) return { verdict: 'allow', rule: 'runtimes: none', reason: `runtime ${asked} as asked`, runtime: requested };
  if (forced === requested) return { verdict: 'allow', rule, reason: `runtime ${forced} as the policy requires`, runtime: forced };
  return { verdict: 'clamp', rule, reason: `runtime ${forced} forced by the policy (asked: ${asked})`, runtime: forced };
}
