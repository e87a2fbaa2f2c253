import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';

import { findPackageVersion } from './find-package-version.js';

const scratch = mkdtempSync(join(tmpdir(), 'package-version-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('findPackageVersion', () => {
  it('finds this package from its source folder', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(findPackageVersion(import.meta.url), manifest.version);
  });

  it('walks up past other packages, as from dist/pkg/config', () => {
    const root = join(scratch, 'install');
    const nested = join(root, 'dist', 'pkg', 'config');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'baaaht-worker', version: '9.8.7' }));
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    assert.equal(findPackageVersion(pathToFileURL(join(nested, 'parse-worker-args.js'))), '9.8.7');
  });

  it('is undefined when no manifest names this package', () => {
    const lone = join(scratch, 'lone', 'a');
    mkdirSync(lone, { recursive: true });
    writeFileSync(join(scratch, 'lone', 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
    // The walk continues to / and finds nothing named baaaht-worker outside the repository.
    assert.equal(findPackageVersion(pathToFileURL(join(lone, 'x.js'))), undefined);
  });
});
