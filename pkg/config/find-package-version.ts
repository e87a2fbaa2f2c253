import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'baaaht-worker';

/**
 * The version of this package, from the nearest package.json above `moduleUrl` whose name is
 * `baaaht-worker` (the module runs from `pkg/config/` under tsx and from `dist/pkg/config/`
 * once built). Undefined when there is none, e.g. in a bundle.
 */
export function findPackageVersion(moduleUrl: string | URL): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const version = readVersion(join(dir, 'package.json'));
    if (version !== undefined) return version;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readVersion(path: string): string | undefined {
  try {
    const manifest: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof manifest !== 'object' || manifest === null) return undefined;
    const { name, version } = manifest as { name?: unknown; version?: unknown };
    return name === PACKAGE_NAME && typeof version === 'string' && version.length > 0 ? version : undefined;
  } catch {
    return undefined;
  }
}
