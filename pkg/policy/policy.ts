/**
 * The compiled policy: what a task may mount, which images and runtimes it may run under, and
 * the resource caps it cannot exceed. Built by parsePolicy from a YAML file; plain data.
 *
 * Modes:
 * - `strict`: any violation refuses the task.
 * - `permissive`: nothing is refused; violations are clamped where a safe value exists
 *   (read-only mount, capped limit, forced runtime) or allowed, and every one is recorded.
 * - `disabled`: the policy is not applied.
 * In every mode the never-mountable set (`/`, `/proc`, `/sys`, `/dev`, `/etc`, the Docker
 * socket and any directory that contains it: see checkMountAllowed) stays refused: that is a
 * guarantee of the worker, not a policy.
 */
import type { MountRoot } from '../mounts/mount-root.js';

export type PolicyMode = 'strict' | 'permissive' | 'disabled';

export type MountAccess = 'readonly' | 'readwrite' | 'denied';

export interface MountRule {
  /** Absolute, normalized host path without a trailing `/` (except `/` itself). Matched against the real path of a mount source. */
  readonly prefix: string;
  readonly access: MountAccess;
}

export interface ImageRules {
  /**
   * Normalized image patterns (see normalizeImagePattern): `docker.io/library/alpine` (any tag
   * or digest), `docker.io/library/alpine:3.19` (that tag), `docker.io/library/alpine@sha256:…`
   * (that digest), `ghcr.io/acme/*` (every repository under `ghcr.io/acme/`).
   * Empty `allow`: every image not denied is allowed.
   */
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** Only images pinned by digest (`name@sha256:…`) may run. */
  readonly requireDigest: boolean;
}

export interface Caps {
  readonly cpus?: number;
  readonly memoryBytes?: number;
  readonly pids?: number;
  readonly timeoutMs?: number;
  /** Output cap per stream per task. */
  readonly outputBytes?: number;
}

export interface RuntimeRules {
  /** OCI runtime forced on custom (operator-registered) tools, e.g. `runsc`. */
  readonly custom?: string;
  /** OCI runtime forced on every tool. For custom tools, `custom` wins when both are set. */
  readonly all?: string;
}

/**
 * Where the web tools may connect, through the worker's egress proxy (pkg/egress). By default
 * every public address may be reached and none of: the private ranges, loopback, link-local,
 * cloud metadata, 0.0.0.0/8, multicast and reserved ranges. The host's own addresses are never
 * reached, whatever these rules say. Applies in every mode.
 */
export interface EgressRules {
  /** Host names (`db.internal`) or suffixes (`*.corp.example`) that may resolve to blocked addresses. Lower case. */
  readonly allowHosts: readonly string[];
  /** Networks whose addresses may be reached although blocked by default, normalized (`10.1.2.0/24`, `fd00:1::/64`). */
  readonly allowCidrs: readonly string[];
  /** When not empty, the only host names that may be reached (names or `*.suffix`, lower case); empty: any host. */
  readonly domains: readonly string[];
}

export interface Policy {
  readonly mode: PolicyMode;
  /**
   * Mount rules; the longest matching prefix decides, `denied` wins ties. With no rules every
   * mount outside the never-mountable set is allowed; with rules, a source no rule matches is
   * refused (strict) or allowed and recorded (permissive).
   */
  readonly mounts: readonly MountRule[];
  /**
   * Trees tasks may mount from, added to the worker's --mount-root ones; each says who the
   * task runs as. A source under none of them is refused in every mode.
   */
  readonly mountRoots: readonly MountRoot[];
  readonly images: ImageRules;
  readonly caps: Caps;
  readonly runtimes: RuntimeRules;
  readonly egress: EgressRules;
}

/** What applies when no policy file exists: strict, no mount rules, no mount roots beyond --mount-root, no image lists, no caps, no forced runtime, default egress. */
export const STRICT_DEFAULT_POLICY: Policy = Object.freeze({
  mode: 'strict',
  mounts: Object.freeze([]),
  mountRoots: Object.freeze([]),
  images: Object.freeze({ allow: Object.freeze([]), deny: Object.freeze([]), requireDigest: false }),
  caps: Object.freeze({}),
  runtimes: Object.freeze({}),
  egress: Object.freeze({ allowHosts: Object.freeze([]), allowCidrs: Object.freeze([]), domains: Object.freeze([]) }),
});

/** One decision of the engine; `rule` names what decided (`mounts: /home/ada readonly`, `caps.memory`, `never-mountable`). */
export interface Decision {
  readonly verdict: 'allow' | 'clamp' | 'deny';
  readonly rule: string;
  readonly reason: string;
}
