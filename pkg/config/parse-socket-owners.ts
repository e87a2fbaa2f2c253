import { readFileSync } from 'node:fs';
import { InvalidValueError, showValue } from './invalid-value-error.js';
import { listItems } from './list-items.js';

const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;
const MAX_UID = 0xfffffffe;

/** Reads the user database; injected by tests. */
export type PasswdReader = () => string;

const readEtcPasswd: PasswdReader = () => readFileSync('/etc/passwd', 'utf8');

/**
 * `--trust-socket-owner`: users besides the worker's own and root whose Unix socket the worker
 * (or the CLI) may dial, as uids or user names, separated by commas (repeat the flag; a list in
 * a config file). Names are looked up in /etc/passwd once, at start. Empty: none.
 * Throws InvalidValueError naming the value that is neither a uid nor a known user.
 */
export function parseSocketOwners(raw: unknown, readPasswd: PasswdReader = readEtcPasswd): readonly number[] {
  const items = socketOwnerItems(raw);
  let passwd: ReadonlyMap<string, number> | undefined;
  const uids = items.map((item) => {
    if (/^\d+$/.test(item)) {
      const uid = Number(item);
      if (!Number.isSafeInteger(uid) || uid > MAX_UID) throw new InvalidValueError(`${showValue(item)} is not a uid (0 to ${MAX_UID})`);
      return uid;
    }
    if (!USER_NAME.test(item)) throw new InvalidValueError(`${showValue(item)} is neither a uid nor a user name`);
    passwd ??= parsePasswd(readPasswdOrNothing(readPasswd));
    const uid = passwd.get(item);
    if (uid === undefined) throw new InvalidValueError(`no user ${showValue(item)} in /etc/passwd (give the uid instead)`);
    return uid;
  });
  return [...new Set(uids)];
}

/** The text a config file's list (`trustSocketOwners: [12345, baaaht]`) stands for. */
export function formatSocketOwners(value: object): string {
  if (!Array.isArray(value)) throw new InvalidValueError(`${showValue(value)} is not a list of uids or user names`);
  return socketOwnerItems(value).join(',');
}

function socketOwnerItems(raw: unknown): string[] {
  return listItems(raw, 'a uid or a user name');
}

function readPasswdOrNothing(readPasswd: PasswdReader): string {
  try {
    return readPasswd();
  } catch {
    return '';
  }
}

/** name → uid from /etc/passwd lines (`name:x:uid:gid:...`); malformed lines are skipped. */
function parsePasswd(text: string): Map<string, number> {
  const users = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , uidText] = line.split(':');
    if (name === undefined || uidText === undefined || !/^\d+$/.test(uidText) || users.has(name)) continue;
    users.set(name, Number(uidText));
  }
  return users;
}
