import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePidsEvents, pidsEventsPaths, watchPidsLimit } from './pids-limit-watch.js';

describe('parsePidsEvents', () => {
  for (const [text, expected] of [['max 0\n', 0], ['max 7\n', 7], ['max 12', 12], ['', 0], ['other 3\nmax 2\n', 2], ['maximum 5\n', 0]] as const) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(parsePidsEvents(text), expected));
  }
});

describe('watchPidsLimit', () => {
  it('sees refused forks in the first cgroup layout that exists, and nothing where none does', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pids-'));
    try {
      const path = pidsEventsPaths('abc', root)[2]!;
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, 'max 0\n');
      const watch = watchPidsLimit('abc', 20, root);
      const missing = watchPidsLimit('nope', 20, root);
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(watch.hit(), false);
      await writeFile(path, 'max 3\n');
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(watch.hit(), true);
      assert.equal(missing.hit(), false);
      watch.stop();
      missing.stop();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
