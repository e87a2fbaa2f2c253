import type { ContainerCreateOptions } from 'dockerode';

/**
 * The `docker run` argv (after `docker`) that asks the engine for the same container as the
 * create body `body` (what buildCreateOptions returns), removed at exit (`--rm`), attached.
 * Pure, so the translation can be read and checked against the body in one place.
 */
export function dockerRunArgs(body: ContainerCreateOptions): string[] {
  const host = body.HostConfig ?? {};
  const args = ['run', '--rm'];
  if (body.name) args.push('--name', body.name);
  if (host.ReadonlyRootfs) args.push('--read-only');
  for (const cap of host.CapDrop ?? []) args.push('--cap-drop', cap);
  for (const opt of host.SecurityOpt ?? []) args.push('--security-opt', opt);
  if (host.Init) args.push('--init');
  if (host.IpcMode) args.push('--ipc', host.IpcMode);
  if (body.User) args.push('--user', body.User);
  if (host.NetworkMode) args.push('--network', host.NetworkMode);
  if (host.NanoCpus) args.push('--cpus', String(host.NanoCpus / 1e9));
  if (host.Memory) args.push('--memory', `${host.Memory}b`);
  if (host.MemorySwap) args.push('--memory-swap', `${host.MemorySwap}b`);
  if (host.PidsLimit !== undefined && host.PidsLimit !== null) args.push('--pids-limit', String(host.PidsLimit));
  for (const [target, options] of Object.entries(host.Tmpfs ?? {})) args.push('--tmpfs', options ? `${target}:${options}` : target);
  for (const mount of host.Mounts ?? []) {
    const parts = [`type=${mount.Type}`, `source=${mount.Source}`, `target=${mount.Target}`];
    if (mount.ReadOnly) parts.push('readonly');
    if (mount.BindOptions?.Propagation) parts.push(`bind-propagation=${mount.BindOptions.Propagation}`);
    args.push('--mount', parts.join(','));
  }
  if (host.LogConfig?.Type) args.push('--log-driver', host.LogConfig.Type);
  if (host.Runtime) args.push('--runtime', host.Runtime);
  if (body.WorkingDir) args.push('--workdir', body.WorkingDir);
  for (const env of body.Env ?? []) args.push('--env', env);
  for (const [key, value] of Object.entries(body.Labels ?? {})) args.push('--label', `${key}=${value}`);
  if (body.Entrypoint !== undefined) args.push('--entrypoint', Array.isArray(body.Entrypoint) ? (body.Entrypoint[0] ?? '') : body.Entrypoint);
  args.push(body.Image ?? '', ...(Array.isArray(body.Cmd) ? body.Cmd : body.Cmd ? [body.Cmd] : []));
  return args;
}
