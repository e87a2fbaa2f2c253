import { formatAbsolutePaths, formatMountRoots, parseAbsolutePaths, parseMountRoots } from './parse-path-list.js';
import type { MountRoot } from '../mounts/mount-root.js';
import type { OptionSpec } from './option-spec.js';

/** The worker's mount options: where tasks may mount from, and what is never mounted. */
export function mountOptionSpecs() {
  return {
    mountRoots: {
      flag: 'mount-root',
      key: 'mountRoots',
      default: '',
      defaultText: 'none: every mount is refused',
      metavar: 'dir[:owner|:uid[:gid]]',
      repeatable: true,
      doc:
        'A directory tree tasks may mount from (its real path); repeat it, or separate with commas (a list in the config file). ' +
        'Tasks run as uid:gid 65534:65534 there unless it says `:owner` (the mounted directory\'s owner; 65534 when that is root) or `:UID[:GID]`. ' +
        'With none (here or as mountRoots in the policy), every task with a mount is refused.',
      parse: (raw) => parseMountRoots(raw),
      fileValue: (value) => formatMountRoots(value),
    } satisfies OptionSpec<readonly MountRoot[]>,
    neverMount: {
      flag: 'never-mount',
      key: 'neverMount',
      default: '',
      defaultText: 'none besides the built-in set',
      metavar: 'path',
      repeatable: true,
      doc:
        "A path no task may mount, nor any directory that contains it or lies inside it (e.g. an orchestrator's data dir elsewhere than its default); repeat it, or separate with commas. " +
        "Always never mounted: the worker's work dir, audit log, config, policy and TLS files, the Docker socket, ~/.local/share/baaaht and /var/lib/baaaht.",
      parse: (raw) => parseAbsolutePaths(raw),
      fileValue: (value) => formatAbsolutePaths(value),
    } satisfies OptionSpec<readonly string[]>,
    mountPinDir: {
      flag: 'mount-pin-dir',
      key: 'mountPinDir',
      default: '',
      defaultText: '<work-dir>/pins',
      metavar: 'dir',
      doc:
        "Where the worker binds each judged mount directory for the engine (0700, the worker's own). The engine must see the worker's mounts there: " +
        'a containerized worker shares it with the host with rshared propagation (see README).',
      parse: (raw) => parseAbsolutePaths(raw)[0] ?? '',
    } satisfies OptionSpec<string>,
  };
}
