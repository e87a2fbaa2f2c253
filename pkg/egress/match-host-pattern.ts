/**
 * Whether a host name matches a policy pattern: `db.internal` that name, `*.corp.example` every
 * name below corp.example (not corp.example itself). Case and a trailing dot do not count.
 */
export function matchesHostPattern(host: string, pattern: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  const wanted = pattern.toLowerCase();
  if (wanted.startsWith('*.')) return name.endsWith(wanted.slice(1)) && name.length > wanted.length - 1;
  return name === wanted;
}
