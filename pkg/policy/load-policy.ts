import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePolicy } from './parse-policy.js';
import { STRICT_DEFAULT_POLICY, type Policy } from './policy.js';
import { PolicyError } from './policy-error.js';

export const SYSTEM_POLICY_PATH = '/etc/baaaht/policies.yaml';

/**
 * Which policy file applies: `--policy` when given (it must then exist: loadPolicy fails
 * otherwise), else `<home>/.config/baaaht/policies.yaml`, else `/etc/baaaht/policies.yaml`;
 * undefined when none exists (the built-in strict default applies; nothing is ever written).
 */
export function resolvePolicyPath(options: { flag?: string; homeDir: string; systemPath?: string }): string | undefined {
  if (options.flag !== undefined && options.flag !== '') return options.flag;
  const candidates = [join(options.homeDir, '.config', 'baaaht', 'policies.yaml'), options.systemPath ?? SYSTEM_POLICY_PATH];
  return candidates.find((path) => existsSync(path));
}

/** Reads and compiles a policy file; undefined gives STRICT_DEFAULT_POLICY. Throws PolicyError. */
export async function loadPolicy(path: string | undefined, signal?: AbortSignal): Promise<Policy> {
  if (path === undefined) return STRICT_DEFAULT_POLICY;
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal });
  } catch (error) {
    throw new PolicyError(`cannot read policy file ${path}: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  return parsePolicy(text, path);
}

/**
 * The policy in force, replaced on reload (SIGHUP). A file that cannot be read or parsed
 * keeps the old policy; the caller logs the returned error. Without a path, reload keeps the
 * built-in default.
 */
export class PolicyHolder {
  #current: Policy;

  constructor(
    initial: Policy,
    readonly path?: string,
  ) {
    this.#current = initial;
  }

  get current(): Policy {
    return this.#current;
  }

  async reload(signal?: AbortSignal): Promise<{ ok: true } | { ok: false; error: string }> {
    if (this.path === undefined) return { ok: true };
    try {
      this.#current = await loadPolicy(this.path, signal);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
