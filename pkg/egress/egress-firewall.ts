import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { WorkerError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { planEgressFirewall, staleFirewallRules, type EgressFirewallInput, type FirewallFamily, type FirewallRule } from './plan-egress-firewall.js';

/** Runs iptables (`ipv4`) or ip6tables (`ipv6`) on the filter table with these arguments. */
export type RunIptables = (family: FirewallFamily, args: readonly string[]) => Promise<IptablesResult>;

export interface IptablesResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The firewall rules of one egress proxy, in place. */
export interface EgressFirewall {
  /** Removes this proxy's own opening; the shared refusals stay (they open nothing). Never throws. */
  remove(): Promise<void>;
}

export interface InstallEgressFirewallOptions extends Omit<EgressFirewallInput, 'ipv6'> {
  readonly logger?: Logger;
  /** The real iptables and ip6tables unless given. */
  readonly run?: RunIptables;
}

const CALL_TIMEOUT_MS = 10_000;
/** iptables `-C`: the rule is not there (or its chain is not). */
const NOT_FOUND = 1;

/**
 * Installs planEgressFirewall's rules with the host's iptables and ip6tables (the ones on PATH:
 * those dockerd uses), idempotently (`-C` before each insertion; a chain is created only when
 * missing), after removing our rules of bridges that no longer exist. Throws INTERNAL when any
 * rule cannot be installed (not root, no iptables, a bridge not on this host...): the caller must
 * then not offer the web tools. What was installed before the failure is left: it only refuses.
 */
export async function installEgressFirewall(options: InstallEgressFirewallOptions): Promise<EgressFirewall> {
  const run = options.run ?? runIptables;
  const { bridge } = options;
  if (!existsSync(`/sys/class/net/${bridge}`)) {
    throw new WorkerError('INTERNAL', `the web tools' bridge ${bridge} is not an interface of this host (is the worker in a network namespace of its own?), so its firewall cannot be installed`);
  }
  const plan = planEgressFirewall({ ...options, ipv6: existsSync(`/proc/sys/net/ipv6/conf/${bridge}`) });
  const families = [...new Set(plan.rules.map((rule) => rule.family))];
  try {
    for (const family of families) await sweepStale(run, family, options.logger);
    for (const chain of plan.chains) await ensureChain(run, chain.family, chain.name);
    for (const rule of plan.rules) await ensureRule(run, rule);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new WorkerError('INTERNAL', `cannot install the egress firewall of ${bridge} (the worker needs root, or CAP_NET_ADMIN, and iptables): ${message}`, { cause: error });
  }
  const own = plan.rules.filter((rule) => rule.owner === 'proxy');
  options.logger?.info('egress firewall in place', { bridge, gateway: options.gateway, port: options.proxyPort, ipv6: families.includes('ipv6') });
  let removed = false;
  return {
    async remove() {
      if (removed) return;
      removed = true;
      for (const rule of own) {
        const result = await run(rule.family, ['-D', rule.chain, ...rule.spec]).catch((error: unknown): IptablesResult => ({ code: -1, stdout: '', stderr: String(error) }));
        if (result.code !== 0) options.logger?.warn('egress firewall: own rule not removed', { chain: rule.chain, stderr: result.stderr.trim() });
      }
    },
  };
}

async function ensureChain(run: RunIptables, family: FirewallFamily, name: string): Promise<void> {
  if ((await run(family, ['-S', name])).code === 0) return;
  const created = await run(family, ['-N', name]);
  // Another worker may have created it meanwhile.
  if (created.code !== 0 && (await run(family, ['-S', name])).code !== 0) throw new Error(`${command(family)} -N ${name}: ${created.stderr.trim()}`);
}

async function ensureRule(run: RunIptables, rule: FirewallRule): Promise<void> {
  const check = await run(rule.family, ['-C', rule.chain, ...rule.spec]);
  if (check.code === 0) return;
  if (check.code !== NOT_FOUND) throw new Error(`${command(rule.family)} -C ${rule.chain}: ${check.stderr.trim()}`);
  const args = rule.at === 'first' ? ['-I', rule.chain, '1', ...rule.spec] : ['-A', rule.chain, ...rule.spec];
  const added = await run(rule.family, args);
  if (added.code !== 0) throw new Error(`${command(rule.family)} ${args.join(' ')}: ${added.stderr.trim()}`);
}

/** Removes our rules and chains of bridges that are gone (a worker that was killed, a network removed). */
async function sweepStale(run: RunIptables, family: FirewallFamily, logger: Logger | undefined): Promise<void> {
  const listing = await run(family, ['-S']);
  if (listing.code !== 0) throw new Error(`${command(family)} -S: ${listing.stderr.trim()}`);
  const stale = staleFirewallRules(listing.stdout, new Set(readdirSync('/sys/class/net')));
  for (const args of stale.deletions) await run(family, args);
  for (const chain of stale.chains) {
    await run(family, ['-F', chain]);
    await run(family, ['-X', chain]);
  }
  if (stale.deletions.length + stale.chains.length > 0) logger?.info('egress firewall: removed the rules of bridges that are gone', { family, rules: stale.deletions.length, chains: stale.chains });
}

function command(family: FirewallFamily): string {
  return family === 'ipv4' ? 'iptables' : 'ip6tables';
}

/** iptables/ip6tables with `-w` (wait for the xtables lock), in the filter table; never through a shell. */
function runIptables(family: FirewallFamily, args: readonly string[]): Promise<IptablesResult> {
  return new Promise((resolve) => {
    execFile(command(family), ['-w', '5', '-t', 'filter', ...args], { timeout: CALL_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? error.message : '') });
    });
  });
}
