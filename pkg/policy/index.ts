export { AuditLog, type AuditEntry } from './audit-log.js';
export { decideImage } from './decide-image.js';
export { decideLimits, type LimitsDecision, type RequestedLimits } from './decide-limits.js';
export { decideMount, findMountRule, type MountDecision } from './decide-mount.js';
export { decideRuntime, type RuntimeDecision } from './decide-runtime.js';
export { evaluatePolicy, type PolicyEvaluation, type PolicyRequest } from './evaluate-policy.js';
export { loadPolicy, PolicyHolder, resolvePolicyPath, SYSTEM_POLICY_PATH } from './load-policy.js';
export { imageMatchesPattern, normalizeImagePattern, normalizeImageRef, type ImageRef } from './normalize-image-ref.js';
export { parsePolicy } from './parse-policy.js';
export {
  STRICT_DEFAULT_POLICY,
  type Caps,
  type Decision,
  type EgressRules,
  type ImageRules,
  type MountAccess,
  type MountRule,
  type Policy,
  type PolicyMode,
  type RuntimeRules,
} from './policy.js';
export { PolicyError } from './policy-error.js';
