import type { ContainerSpec } from './container-spec.js';

/** The part of a spec a warm container is made from: everything but the task's own argv, env, stdin and labels. */
export type WarmKeySpec = Omit<ContainerSpec, 'argv' | 'env' | 'stdin' | 'labels'>;

/**
 * The pool key of a spec: image, runtime, mount (the directory's identity `dev:ino`, target,
 * writable), user, network, limits and working directory. Two specs with the same key get
 * containers confined exactly alike and bound to the same directory object, so a container
 * warmed for one can run the other's command. The mount's identity, not its path, is in the key:
 * each task's pin has a path of its own, and a path may lead to another directory by the time a
 * task comes, while the claiming task was judged on the very object its identity names. Pure.
 */
export function warmPoolKey(spec: WarmKeySpec): string {
  return JSON.stringify([
    spec.image,
    spec.runtime ?? '',
    spec.mount ? [spec.mount.identity, spec.mount.target, spec.mount.writable] : null,
    spec.user,
    spec.network,
    [spec.limits.cpus, spec.limits.memoryBytes, spec.limits.pids],
    spec.workingDir,
  ]);
}

/** The key's spec, without anything of one task (what a warm container is created from). */
export function warmKeySpec(spec: ContainerSpec): WarmKeySpec {
  return {
    image: spec.image,
    workingDir: spec.workingDir,
    user: spec.user,
    ...(spec.mount ? { mount: { ...spec.mount } } : {}),
    network: spec.network,
    limits: { ...spec.limits },
    ...(spec.runtime !== undefined ? { runtime: spec.runtime } : {}),
  };
}

/** A short description of a key for logs and stats: `baaaht/tools:0.1.0 /home/ada/p:ro none runc`. */
export function describeWarmKey(spec: WarmKeySpec, defaultRuntime: string): string {
  const mount = spec.mount ? `${spec.mount.origin}:${spec.mount.writable ? 'rw' : 'ro'}` : 'no-mount';
  return `${spec.image} ${mount} ${spec.network} ${spec.runtime ?? defaultRuntime}`;
}
