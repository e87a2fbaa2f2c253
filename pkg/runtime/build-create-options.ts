import type { ContainerCreateOptions } from 'dockerode';
import { TMPFS_BYTES, type ContainerSpec } from './container-spec.js';
import { engineNanoCpus } from './engine-cpu-limit.js';
import { enginePidsLimit } from './engine-pids-limit.js';
import { LEASH_PATH } from './leash.js';

/**
 * The Engine API create body for a task's container: pure, so the confinement can be read and
 * tested in one place. Every container is locked down the same way; only the spec's mount,
 * network, limits and runtime vary. `leashed`: the image carries the dead-man's switch (see
 * leash.ts): the command runs under it, with stdin attached.
 */
export function buildCreateOptions(spec: ContainerSpec, name: string, { leashed = false }: { leashed?: boolean } = {}): ContainerCreateOptions {
  if (isRootUser(spec.user)) throw new Error(`refusing to run a task container as root (${spec.user})`);
  const [uid = '65534', gid = uid] = spec.user.split(':');
  const hasStdin = spec.stdin !== undefined || leashed;
  return {
    name,
    Image: spec.image,
    Cmd: leashed ? [LEASH_PATH, ...spec.argv] : [...spec.argv],
    Entrypoint: [],
    Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
    WorkingDir: spec.workingDir,
    User: spec.user,
    Labels: { ...spec.labels },
    AttachStdin: hasStdin,
    OpenStdin: hasStdin,
    StdinOnce: hasStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: spec.network === 'none',
    HostConfig: {
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      Init: true,
      NetworkMode: spec.network,
      IpcMode: 'private',
      NanoCpus: engineNanoCpus(spec.limits.cpus, spec.runtime),
      Memory: spec.limits.memoryBytes,
      MemorySwap: spec.limits.memoryBytes,
      PidsLimit: enginePidsLimit(spec.limits.pids, spec.runtime),
      Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${TMPFS_BYTES},uid=${uid},gid=${gid},mode=0700` },
      Mounts: spec.mount
        ? [
            {
              Type: 'bind',
              Source: spec.mount.source,
              Target: spec.mount.target,
              ReadOnly: !spec.mount.writable,
              BindOptions: { Propagation: 'rprivate' },
            },
          ]
        : [],
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      ...(spec.runtime ? { Runtime: spec.runtime } : {}),
    },
  };
}

/** Root by name, by uid 0 in any numeric spelling (`0`, `00`, `+0`), or by an empty user. */
function isRootUser(user: string): boolean {
  const name = (user.split(':')[0] ?? '').trim();
  return name === '' || name === 'root' || (/^\+?\d+$/.test(name) && Number(name) === 0);
}
