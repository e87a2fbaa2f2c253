// Network namespaces made by a test: each joined to a bridge of its own on the host, so that a
// process started in one (`ip netns exec`) reaches the host only at the bridge's address.
import { execFileSync } from 'node:child_process';

export interface NetnsLab {
  /** The host's address on the bridge: listen here to be reachable from the namespaces. */
  readonly hostAddress: string;
  readonly namespaces: readonly { readonly name: string; readonly address: string }[];
  /** The command prefix that runs a program in namespace `index`. */
  prefix(index: number): string[];
  /** Deletes the namespaces, the links and the bridge. Idempotent. */
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * `count` namespaces on a /24 of 10.213.0.0/16 not routed on this host yet (the bridge gets .1,
 * namespace i gets .(10 + i)), with loopback up in each. Names carry the test process's pid.
 */
export function createNetnsLab(count: number): NetnsLab {
  const tag = (process.pid % 46_656).toString(36);
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  const third = [...Array(256).keys()].map((i) => (process.pid + i) % 256).find((n) => !routes.includes(`10.213.${n}.`));
  if (third === undefined) throw new Error('no free /24 in 10.213.0.0/16 for the test namespaces');
  const net = `10.213.${third}`;
  const bridge = `bwb${tag}`;
  const namespaces = [...Array(count).keys()].map((i) => ({ name: `baaaht-test-${tag}-${i}`, address: `${net}.${10 + i}` }));
  const lab: NetnsLab = {
    hostAddress: `${net}.1`,
    namespaces,
    // nsenter enters only the network namespace: `ip netns exec` would also give the program a
    // mount namespace of its own, and the worker's mount pins must be seen by the engine.
    prefix: (index) => ['nsenter', `--net=/run/netns/${namespaces[index]!.name}`, '--'],
    remove() {
      for (const [i, ns] of namespaces.entries()) {
        try {
          ip('link', 'del', `bwh${tag}${i}`);
        } catch {
          /* gone already */
        }
        try {
          ip('netns', 'del', ns.name);
        } catch {
          /* gone already */
        }
      }
      try {
        ip('link', 'del', bridge);
      } catch {
        /* gone already */
      }
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${lab.hostAddress}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const [i, ns] of namespaces.entries()) {
      const hostEnd = `bwh${tag}${i}`;
      const nsEnd = `bwn${tag}${i}`;
      ip('netns', 'add', ns.name);
      ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd);
      ip('link', 'set', nsEnd, 'netns', ns.name);
      ip('link', 'set', hostEnd, 'master', bridge, 'up');
      ip('-n', ns.name, 'addr', 'add', `${ns.address}/24`, 'dev', nsEnd);
      ip('-n', ns.name, 'link', 'set', nsEnd, 'up');
      ip('-n', ns.name, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    lab.remove();
    throw error;
  }
  return lab;
}
