import type { ContainerSpec } from './container-spec.js';
import { engineNanoCpus } from './engine-cpu-limit.js';
import { enginePidsLimit } from './engine-pids-limit.js';

/** The parts of `docker inspect` the check reads. */
export interface InspectedConfinement {
  readonly Config: { readonly User?: string };
  readonly HostConfig: {
    readonly ReadonlyRootfs?: boolean;
    readonly CapDrop?: readonly string[] | null;
    readonly CapAdd?: readonly string[] | null;
    readonly SecurityOpt?: readonly string[] | null;
    readonly Privileged?: boolean;
    readonly NetworkMode?: string;
    readonly NanoCpus?: number;
    readonly Memory?: number;
    readonly MemorySwap?: number;
    readonly PidsLimit?: number | null;
    readonly Runtime?: string;
  };
  readonly Mounts?: ReadonlyArray<{ readonly Destination?: string; readonly Source?: string; readonly RW?: boolean }>;
}

/**
 * What the running container really has, compared with what its task demands: read-only root,
 * no capabilities, no-new-privileges, not root, the network, the limits, the runtime and exactly
 * the one mount. Returns the mismatches (empty when confined as asked). Pure: the runner inspects
 * the container after start and kills it on any mismatch.
 */
export function checkIsolation(spec: ContainerSpec, info: InspectedConfinement, defaultRuntime: string): string[] {
  const problems: string[] = [];
  const host = info.HostConfig;
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  expect(host.ReadonlyRootfs === true, 'root filesystem is writable');
  expect((host.CapDrop ?? []).some((cap) => cap.toUpperCase() === 'ALL'), 'capabilities are not all dropped');
  expect((host.CapAdd ?? []).length === 0, `capabilities added: ${(host.CapAdd ?? []).join(',')}`);
  expect(
    (host.SecurityOpt ?? []).some((opt) => /^no-new-privileges([:=]true)?$/.test(opt)),
    'no-new-privileges is not set',
  );
  expect(host.Privileged !== true, 'the container is privileged');
  const uid = (info.Config.User ?? '').split(':')[0] ?? '';
  expect(uid !== '' && uid !== 'root' && !(/^\+?\d+$/.test(uid) && Number(uid) === 0), `runs as root (user ${JSON.stringify(info.Config.User ?? '')})`);
  expect(host.NetworkMode === spec.network, `network is ${host.NetworkMode ?? '?'}, not ${spec.network}`);
  const nanoCpus = engineNanoCpus(spec.limits.cpus, spec.runtime ?? defaultRuntime);
  expect(host.NanoCpus === nanoCpus, `CPU limit is ${host.NanoCpus ?? 'unset'}, not ${nanoCpus}`);
  expect(host.Memory === spec.limits.memoryBytes, `memory limit is ${host.Memory ?? 'unset'}`);
  expect(host.MemorySwap === spec.limits.memoryBytes, `memory+swap limit is ${host.MemorySwap ?? 'unset'}`);
  const pidsLimit = enginePidsLimit(spec.limits.pids, spec.runtime ?? defaultRuntime);
  expect(host.PidsLimit === pidsLimit, `PID limit is ${host.PidsLimit ?? 'unset'}, not ${pidsLimit}`);
  const runtime = host.Runtime || defaultRuntime;
  expect(runtime === (spec.runtime ?? defaultRuntime), `runtime is ${runtime}, not ${spec.runtime ?? defaultRuntime}`);
  const mounts = info.Mounts ?? [];
  if (spec.mount) {
    const mount = spec.mount;
    expect(mounts.length === 1, `${mounts.length} mounts instead of 1`);
    const found = mounts.find((m) => m.Destination === mount.target);
    expect(found !== undefined && found.Source === mount.source, `${mount.target} is not bound to ${mount.source}`);
    expect(found === undefined || found.RW === mount.writable, `${mount.target} is ${found?.RW ? 'writable' : 'read-only'}`);
  } else {
    expect(mounts.length === 0, `${mounts.length} unexpected mounts`);
  }
  return problems;
}
