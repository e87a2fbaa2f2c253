import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Largest gid chown takes (2^32 - 2; -1 means "unchanged"). */
const MAX_GID = 0xffff_fffe;

/**
 * The gid of a group: a number is taken as it is (chown needs no group entry for it); a name is
 * looked up with `getent group` (which sees /etc/group and NSS sources such as LDAP), or in
 * /etc/group when getent is not there. Undefined when there is no such group.
 */
export function resolveGroup(nameOrGid: string): number | undefined {
  if (/^\d+$/.test(nameOrGid)) {
    const gid = Number(nameOrGid);
    return gid <= MAX_GID ? gid : undefined;
  }
  let entries: string;
  try {
    entries = execFileSync('getent', ['group', nameOrGid], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number };
    if (e.code !== 'ENOENT') return undefined; // getent exits 2 for an unknown group
    try {
      entries = readFileSync('/etc/group', 'utf8');
    } catch {
      return undefined;
    }
  }
  for (const line of entries.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === nameOrGid && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
