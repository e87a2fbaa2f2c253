import { imageMatchesPattern, normalizeImageRef, type ImageRef } from './normalize-image-ref.js';
import type { Decision, Policy } from './policy.js';
import { PolicyError } from './policy-error.js';

/**
 * Decides a task's image against the policy's lists, on normalized references
 * (`alpine:3.19` is `docker.io/library/alpine:3.19`). In order: an invalid reference, a `deny`
 * match, no `allow` match (when `allow` is not empty), no digest (when `requireDigest`) each
 * refuse the task in strict mode; permissive allows and records them (an image cannot be
 * clamped); disabled allows every image.
 */
export function decideImage(policy: Policy, image: string): Decision {
  if (policy.mode === 'disabled') return { verdict: 'allow', rule: 'mode: disabled', reason: `policy disabled: image ${JSON.stringify(image)} allowed` };
  const violation = (rule: string, reason: string): Decision =>
    policy.mode === 'strict' ? { verdict: 'deny', rule, reason } : { verdict: 'allow', rule, reason: `${reason} (permissive: allowed)` };
  let ref: ImageRef;
  try {
    ref = normalizeImageRef(image);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return violation('images', error.message);
  }
  const denied = policy.images.deny.find((pattern) => imageMatchesPattern(ref, pattern));
  if (denied !== undefined) return violation(`images.deny: ${denied}`, `image ${ref.canonical} is denied`);
  let rule = 'images: any';
  if (policy.images.allow.length > 0) {
    const allowed = policy.images.allow.find((pattern) => imageMatchesPattern(ref, pattern));
    if (allowed === undefined) return violation('images.allow', `image ${ref.canonical} is not in the allow list`);
    rule = `images.allow: ${allowed}`;
  }
  if (policy.images.requireDigest && ref.digest === undefined) {
    return violation('images.requireDigest', `image ${ref.canonical} is not pinned by digest`);
  }
  return { verdict: 'allow', rule, reason: `image ${ref.canonical} allowed` };
}
