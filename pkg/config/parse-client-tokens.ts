import { statSync } from 'node:fs';
import { hashClientToken } from '../rpc/client-token.js';
import { ConfigError } from './config-error.js';
import { InvalidValueError } from './invalid-value-error.js';
import { isMapping } from './is-mapping.js';
import { readConfigFile } from './read-config-file.js';

export type ClientRole = 'client' | 'admin';

/** One client the orchestrator's TaskService accepts (--client-tokens). */
export interface ClientTokenEntry {
  /** Who the client is: its tasks are recorded as `token:<name>`. */
  readonly name: string;
  /** client: its own tasks only; admin: every task. */
  readonly role: ClientRole;
  /** SHA-256 of the token, lower-case hex: only the hash is kept in memory. */
  readonly tokenSha256: string;
}

/** A client name: letters, digits and . _ @ -, 1 to 64 characters. */
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `--client-tokens FILE`: a YAML or JSON file
 * `clients: [{name, token | tokenSha256, role: client|admin}]`. Names and tokens are unique; a
 * token is at least 16 printable characters (as a worker key); `tokenSha256` is the hex SHA-256
 * of the token, so the file need not hold the token itself. A file that holds plain tokens
 * and that other users can read is refused. Empty: no client tokens.
 */
export function parseClientTokens(raw: unknown): readonly ClientTokenEntry[] {
  if (raw === '') return [];
  if (typeof raw !== 'string') throw new InvalidValueError('the value is not a file name');
  let content: Record<string, unknown>;
  try {
    content = readConfigFile(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidValueError(error.message.replace('config file', 'client tokens file'));
    throw error;
  }
  const unknownKeys = Object.keys(content).filter((key) => key !== 'clients');
  if (unknownKeys.length > 0) throw new InvalidValueError(`${raw}: unknown key ${unknownKeys[0]} (expected clients: a list)`);
  const list = content['clients'];
  if (!Array.isArray(list) || list.length === 0) throw new InvalidValueError(`${raw}: clients must be a non-empty list of {name, token or tokenSha256, role}`);
  const entries: ClientTokenEntry[] = [];
  let plainTokens = false;
  list.forEach((item: unknown, index) => {
    const where = `${raw}: clients[${index}]`;
    if (!isMapping(item)) throw new InvalidValueError(`${where} is not a mapping`);
    const fields = item as Record<string, unknown>;
    const extra = Object.keys(fields).filter((key) => !['name', 'token', 'tokenSha256', 'role'].includes(key));
    if (extra.length > 0) throw new InvalidValueError(`${where}: unknown key ${extra[0]}`);
    const name = fields['name'];
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new InvalidValueError(`${where}: name must be 1 to 64 letters, digits or . _ @ -`);
    }
    const role = fields['role'] ?? 'client';
    if (role !== 'client' && role !== 'admin') throw new InvalidValueError(`${where} (${name}): role must be client or admin`);
    const token = fields['token'];
    const hash = fields['tokenSha256'];
    if ((token === undefined) === (hash === undefined)) {
      throw new InvalidValueError(`${where} (${name}): give exactly one of token and tokenSha256`);
    }
    let tokenSha256: string;
    if (token !== undefined) {
      if (!isTokenText(token)) {
        throw new InvalidValueError(`${where} (${name}): a token must be at least 16 printable characters, without spaces around it`);
      }
      tokenSha256 = hashClientToken(token);
      plainTokens = true;
    } else {
      if (typeof hash !== 'string' || !SHA256_HEX.test(hash.toLowerCase())) {
        throw new InvalidValueError(`${where} (${name}): tokenSha256 must be 64 hex digits (sha256sum of the token)`);
      }
      tokenSha256 = hash.toLowerCase();
    }
    if (entries.some((e) => e.name === name)) throw new InvalidValueError(`${where}: the name ${name} is given twice`);
    if (entries.some((e) => e.tokenSha256 === tokenSha256)) throw new InvalidValueError(`${where} (${name}): the same token as another client`);
    entries.push({ name, role, tokenSha256 });
  });
  if (plainTokens && (statSync(raw).mode & 0o004) !== 0) {
    throw new InvalidValueError(`${raw} holds plain tokens and every user can read it: chmod o-r it, or give tokenSha256 instead`);
  }
  return entries;
}

/** Whether a value can be a client token: at least 16 printable characters, no space at either end. */
export function isTokenText(value: unknown): value is string {
  // eslint-disable-next-line no-control-regex
  return typeof value === 'string' && value.length >= 16 && value.trim() === value && !/[\u0000-\u001f\u007f]/.test(value);
}
