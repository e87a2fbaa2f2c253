import { isAbsolute, normalize } from 'node:path';
import { InvalidValueError, showValue } from './invalid-value-error.js';
import { formatMountRoot, parseMountRoot, type MountRoot } from '../mounts/mount-root.js';

/** Items of a repeatable path option: comma-separated text (flags, env) or a list (config file). */
function listItems(raw: unknown, what: string): string[] {
  if (raw === '' || raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (Array.isArray(raw)) {
    return raw.map((item: unknown) => {
      if (typeof item === 'string' || typeof item === 'number') return String(item).trim();
      throw new InvalidValueError(`${showValue(item)} is not ${what}`);
    });
  }
  throw new InvalidValueError(`${showValue(raw)} is not ${what}, nor a list of them`);
}

/** `--mount-root DIR[:owner|:UID[:GID]]`, repeatable (or comma-separated; a list in the config file). */
export function parseMountRoots(raw: unknown): readonly MountRoot[] {
  return listItems(raw, 'a mount root').map((item) => {
    if (item.includes('\0')) throw new InvalidValueError(`${showValue(item)} is not a path`);
    try {
      return parseMountRoot(item);
    } catch (error) {
      throw new InvalidValueError(error instanceof Error ? error.message : String(error));
    }
  });
}

/** The text a config file's list of mount roots stands for. */
export function formatMountRoots(value: object): string {
  return parseMountRoots(value).map(formatMountRoot).join(',');
}

/** `--never-mount PATH`, repeatable: absolute paths, normalized. */
export function parseAbsolutePaths(raw: unknown): readonly string[] {
  return listItems(raw, 'an absolute path').map((item) => {
    if (!isAbsolute(item) || item.includes('\0')) throw new InvalidValueError(`${showValue(item)} is not an absolute path`);
    return normalize(item);
  });
}

/** The text a config file's list of paths stands for. */
export function formatAbsolutePaths(value: object): string {
  return parseAbsolutePaths(value).join(',');
}
