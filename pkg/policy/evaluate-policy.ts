import type { AuditEntry } from './audit-log.js';
import { decideImage } from './decide-image.js';
import { decideLimits } from './decide-limits.js';
import { decideMount } from './decide-mount.js';
import { decideRuntime } from './decide-runtime.js';
import type { MountRoot, RootUser } from '../mounts/mount-root.js';
import type { Decision, Policy } from './policy.js';

export interface PolicyRequest {
  readonly taskId: string;
  readonly toolType: string;
  /** A custom (operator-registered) tool rather than a built-in one. */
  readonly custom: boolean;
  readonly image: string;
  /** The runtime the tool spec asks for; undefined means the engine's default. */
  readonly runtime?: string;
  /** The task's mount, its source already resolved with realpath. */
  readonly mount?: { readonly source: string; readonly writable: boolean };
  readonly limits: { readonly cpus: number; readonly memoryBytes: number; readonly pids: number };
  readonly timeoutMs: number;
  readonly outputCapBytes: number;
  /** Paths never mounted, nor any directory that contains one or lies inside one (the Docker socket, the worker's state). */
  readonly protectedPaths: readonly string[];
  /** The worker's own mount roots (--mount-root); the policy's `mountRoots` are added. */
  readonly mountRoots?: readonly MountRoot[];
}

export interface PolicyEvaluation {
  readonly allowed: boolean;
  /** What to run with: the request's values after clamping and forcing. */
  readonly adjusted: {
    readonly runtime: string | undefined;
    readonly writable: boolean;
    /** Who the task runs as, from the mount root its mount lies under (none without a mount). */
    readonly mountUser?: RootUser;
    readonly limits: { readonly cpus: number; readonly memoryBytes: number; readonly pids: number };
    readonly timeoutMs: number;
    readonly outputCapBytes: number;
  };
  /** Every decision, for the audit log: mount (when there is one), image, runtime, limits. */
  readonly decisions: readonly AuditEntry[];
  /** The first refusal, when not allowed. */
  readonly denial?: { readonly rule: string; readonly reason: string };
}

const AUDIT_DECISION = { allow: 'allowed', clamp: 'clamped', deny: 'refused' } as const;

/**
 * Applies a policy to one task. Every aspect is decided (and recorded) even after a refusal,
 * so the audit log shows all that was wrong. See decideMount, decideImage, decideRuntime and
 * decideLimits for the rules of each; the mode is applied there.
 */
export function evaluatePolicy(policy: Policy, request: PolicyRequest, now: () => Date = () => new Date()): PolicyEvaluation {
  const decisions: Decision[] = [];
  let writable = false;
  let mountUser: RootUser | undefined;
  if (request.mount !== undefined) {
    const mount = decideMount(policy, request.mount.source, request.mount.writable, request.protectedPaths, request.mountRoots);
    decisions.push(mount);
    writable = mount.writable;
    mountUser = mount.root?.user;
  }
  decisions.push(decideImage(policy, request.image));
  const runtime = decideRuntime(policy, request.custom, request.runtime);
  decisions.push(runtime);
  const limits = decideLimits(policy, request);
  decisions.push(...limits.decisions);

  const time = now().toISOString();
  const denied = decisions.find((decision) => decision.verdict === 'deny');
  return {
    allowed: denied === undefined,
    adjusted: {
      runtime: runtime.runtime,
      writable: denied === undefined && writable,
      ...(mountUser === undefined ? {} : { mountUser }),
      limits: limits.limits,
      timeoutMs: limits.timeoutMs,
      outputCapBytes: limits.outputCapBytes,
    },
    decisions: decisions.map((decision) => ({
      time,
      taskId: request.taskId,
      decision: AUDIT_DECISION[decision.verdict],
      rule: decision.rule,
      reason: decision.reason,
      toolType: request.toolType,
    })),
    ...(denied === undefined ? {} : { denial: { rule: denied.rule, reason: denied.reason } }),
  };
}
