import { posix } from 'node:path';
import { loadAll } from 'js-yaml';
import { InvalidValueError, showValue } from '../config/invalid-value-error.js';
import { parseByteSize } from '../config/parse-byte-size.js';
import { parseDuration } from '../config/parse-duration.js';
import { formatCidr, parseCidr } from '../egress/ip-address.js';
import { normalizeRoot, parseRootUser, type MountRoot } from '../mounts/mount-root.js';
import { normalizeImagePattern } from './normalize-image-ref.js';
import type { Caps, EgressRules, ImageRules, MountAccess, MountRule, Policy, PolicyMode, RuntimeRules } from './policy.js';
import { PolicyError } from './policy-error.js';

const MODES: readonly PolicyMode[] = ['strict', 'permissive', 'disabled'];
const ACCESS: readonly MountAccess[] = ['readonly', 'readwrite', 'denied'];
const RUNTIME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const MAX_CPUS = 1024;
const MAX_PIDS = 4_194_304;
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Compiles a policy file (YAML, or JSON) into a Policy; the format is documented in
 * config/policies.example.yaml. Every key is optional (an empty file is the strict default);
 * unknown keys and bad values throw a PolicyError whose message names `source` and the key path.
 */
export function parsePolicy(text: string, source: string): Policy {
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (error) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new PolicyError(`${source}: cannot parse: ${first}`, undefined, { cause: error });
  }
  if (documents.length > 1) throw new PolicyError(`${source}: holds ${documents.length} YAML documents; expected one`);
  const root = documents[0] ?? {};
  const at = (keyPath: string, reason: string): PolicyError => new PolicyError(`${source}: ${keyPath}: ${reason}`, keyPath);
  try {
    const top = mapping(root, '(top level)', ['mode', 'mounts', 'mountRoots', 'images', 'caps', 'runtimes', 'egress']);
    return {
      mode: top.mode === undefined ? 'strict' : choice(top.mode, 'mode', MODES),
      mounts: parseMounts(top.mounts),
      mountRoots: parseMountRoots(top.mountRoots),
      images: parseImages(top.images),
      caps: parseCaps(top.caps),
      runtimes: parseRuntimes(top.runtimes),
      egress: parseEgress(top.egress),
    };
  } catch (error) {
    if (error instanceof KeyError) throw at(error.keyPath, error.message);
    throw error;
  }
}

/** A fault at a key path, turned into a PolicyError naming the file by parsePolicy. */
class KeyError extends Error {
  constructor(
    readonly keyPath: string,
    reason: string,
  ) {
    super(reason);
  }
}

function mapping(value: unknown, keyPath: string, keys: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new KeyError(keyPath, `expected a mapping, got ${showValue(value)}`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const path = keyPath === '(top level)' ? key : `${keyPath}.${key}`;
    if (!keys.includes(key)) throw new KeyError(path, `unknown key (expected one of ${keys.join(', ')})`);
  }
  return record;
}

function choice<T extends string>(value: unknown, keyPath: string, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new KeyError(keyPath, `${showValue(value)} is not one of ${choices.join(', ')}`);
}

function parseMounts(value: unknown): MountRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KeyError('mounts', `expected a list of {path, access}, got ${showValue(value)}`);
  return value.map((item, index) => {
    const keyPath = `mounts[${index}]`;
    const rule = mapping(item, keyPath, ['path', 'access']);
    if (rule.access === undefined) throw new KeyError(`${keyPath}.access`, 'missing (readonly, readwrite or denied)');
    return { prefix: mountPrefix(rule.path, `${keyPath}.path`), access: choice(rule.access, `${keyPath}.access`, ACCESS) };
  });
}

/** `mountRoots: [{path: /srv/ws, user: owner}, {path: /data, user: "1000:1000"}]`; no user: 65534:65534. */
function parseMountRoots(value: unknown): MountRoot[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KeyError('mountRoots', `expected a list of {path, user}, got ${showValue(value)}`);
  return value.map((item, index) => {
    const keyPath = `mountRoots[${index}]`;
    const root = mapping(item, keyPath, ['path', 'user']);
    const path = mountPrefix(root.path, `${keyPath}.path`);
    const user = root.user === undefined ? undefined : String(root.user);
    if (user !== undefined && (typeof root.user === 'object' || !/^(owner|\d+(:\d+)?)$/.test(user))) {
      throw new KeyError(`${keyPath}.user`, `${showValue(root.user)} is not owner, UID or UID:GID`);
    }
    const [uid, gid] = user === undefined ? [] : user.split(':');
    try {
      return { path, user: parseRootUser(uid, gid, user ?? path) };
    } catch (error) {
      throw new KeyError(`${keyPath}.user`, error instanceof Error ? error.message : String(error));
    }
  });
}

function mountPrefix(value: unknown, keyPath: string): string {
  if (typeof value !== 'string' || !posix.isAbsolute(value) || value.includes('\0')) {
    throw new KeyError(keyPath, `${showValue(value)} is not an absolute host path`);
  }
  return normalizeRoot(value);
}

function parseImages(value: unknown): ImageRules {
  if (value === undefined || value === null) return { allow: [], deny: [], requireDigest: false };
  const images = mapping(value, 'images', ['allow', 'deny', 'requireDigest']);
  const requireDigest = images.requireDigest ?? false;
  if (typeof requireDigest !== 'boolean') throw new KeyError('images.requireDigest', `${showValue(requireDigest)} is not true or false`);
  return { allow: imageList(images.allow, 'images.allow'), deny: imageList(images.deny, 'images.deny'), requireDigest };
}

function imageList(value: unknown, keyPath: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KeyError(keyPath, `expected a list of image references, got ${showValue(value)}`);
  return value.map((item, index) => {
    if (typeof item !== 'string') throw new KeyError(`${keyPath}[${index}]`, `${showValue(item)} is not an image reference`);
    try {
      return normalizeImagePattern(item);
    } catch (error) {
      if (error instanceof PolicyError) throw new KeyError(`${keyPath}[${index}]`, error.message);
      throw error;
    }
  });
}

function parseCaps(value: unknown): Caps {
  if (value === undefined || value === null) return {};
  const caps = mapping(value, 'caps', ['cpus', 'memory', 'pids', 'timeout', 'output']);
  const field = <T>(key: string, parse: (raw: unknown) => T): T | undefined => {
    const raw = caps[key];
    if (raw === undefined || raw === null) return undefined;
    try {
      return parse(raw);
    } catch (error) {
      if (error instanceof InvalidValueError) throw new KeyError(`caps.${key}`, error.reason);
      throw error;
    }
  };
  const result: { -readonly [K in keyof Caps]: Caps[K] } = {};
  const cpus = field('cpus', (raw) => {
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0 || raw > MAX_CPUS) {
      throw new InvalidValueError(`${showValue(raw)} is not a number of CPUs (more than 0, at most ${MAX_CPUS})`);
    }
    return raw;
  });
  const memoryBytes = field('memory', (raw) => parseByteSize(raw, { min: 1024 * 1024 }));
  const pids = field('pids', (raw) => {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 1 || raw > MAX_PIDS) {
      throw new InvalidValueError(`${showValue(raw)} is not a whole number of PIDs (1 to ${MAX_PIDS})`);
    }
    return raw;
  });
  const timeoutMs = field('timeout', (raw) => parseDuration(raw));
  const outputBytes = field('output', (raw) => parseByteSize(raw));
  if (cpus !== undefined) result.cpus = cpus;
  if (memoryBytes !== undefined) result.memoryBytes = memoryBytes;
  if (pids !== undefined) result.pids = pids;
  if (timeoutMs !== undefined) result.timeoutMs = timeoutMs;
  if (outputBytes !== undefined) result.outputBytes = outputBytes;
  return result;
}

function parseRuntimes(value: unknown): RuntimeRules {
  if (value === undefined || value === null) return {};
  const runtimes = mapping(value, 'runtimes', ['custom', 'all']);
  const result: { -readonly [K in keyof RuntimeRules]: RuntimeRules[K] } = {};
  for (const key of ['custom', 'all'] as const) {
    const raw = runtimes[key];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string' || !RUNTIME_NAME.test(raw)) throw new KeyError(`runtimes.${key}`, `${showValue(raw)} is not a runtime name (e.g. runc, runsc)`);
    result[key] = raw;
  }
  return result;
}

function parseEgress(value: unknown): EgressRules {
  if (value === undefined || value === null) return { allowHosts: [], allowCidrs: [], domains: [] };
  const egress = mapping(value, 'egress', ['allowHosts', 'allowCidrs', 'domains']);
  const list = (key: string, what: string): unknown[] => {
    const raw = egress[key];
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new KeyError(`egress.${key}`, `expected a list of ${what}, got ${showValue(raw)}`);
    return raw;
  };
  const hostPatterns = (key: string): string[] =>
    list(key, 'host names or *.suffix patterns').map((item, index) => {
      const pattern = hostPattern(item);
      if (pattern === undefined) throw new KeyError(`egress.${key}[${index}]`, `${showValue(item)} is not a host name or *.suffix pattern (e.g. db.internal, *.corp.example)`);
      return pattern;
    });
  const allowCidrs = list('allowCidrs', 'networks').map((item, index) => {
    const network = typeof item === 'string' ? parseCidr(item) : undefined;
    if (network === undefined) throw new KeyError(`egress.allowCidrs[${index}]`, `${showValue(item)} is not a network (e.g. 10.1.2.0/24, fd00:1::/64, 10.1.2.3)`);
    return formatCidr(network);
  });
  return { allowHosts: hostPatterns('allowHosts'), allowCidrs, domains: hostPatterns('domains') };
}

/** `Db.Internal.` → `db.internal`, `*.corp.example` stays; undefined when not an ASCII host name (write IDNs in punycode). */
function hostPattern(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase().replace(/\.$/, '');
  const name = lower.startsWith('*.') ? lower.slice(2) : lower;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label))) return undefined;
  return lower;
}
