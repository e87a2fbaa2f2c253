import { isAbsolute, normalize } from 'node:path';
import { InvalidValueError, showValue } from './invalid-value-error.js';
import { listItems } from './list-items.js';
import { formatMountRoot, parseMountRoot, type MountRoot } from '../mounts/mount-root.js';

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
