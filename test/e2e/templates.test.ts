// #11: an operator tool whose placeholder sits inside a shell script behind a wrapper
// (`[timeout, 10, sh, -c, 'echo {term}']`: `term=x; id` ran id) is refused when the real worker
// starts (exit 2, naming the tool, the argument and the option), with or without interpolate: true.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBin } from '../support/processes.js';

const ATTACK = `tools:
  custom:
    - name: search
      description: the tool of the #11 report
      command: [timeout, "10", sh, -c, "echo {term}"]
      params:
        term: { type: string, required: true }
`;

describe('operator tool templates at worker start (real worker)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-templates-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (name: string, config: string) => {
    const file = join(dir, name);
    await writeFile(file, config);
    // An address nothing listens on: the worker must stop at its config, before any dial.
    return runBin('worker', ['--config', file, '--orchestrator-addr', `unix://${join(dir, 'none.sock')}`, '--reconnect-max-attempts', '1']);
  };

  it('refuses the placeholder inside the script (exit 2, naming tool, argument and option)', async () => {
    const { code, stdout, stderr } = await start('attack.yaml', ATTACK);
    assert.equal(code, 2, stdout + stderr);
    assert.match(stderr, /tools\.custom\[0\]\.command\[4\]/);
    assert.match(stderr, /tool "search": \{term\} is inside a longer argument \("echo \{term\}"\)/);
    assert.match(stderr, /unless the tool sets interpolate: true/);
  });

  it('refuses it with interpolate: true too: the shell behind timeout is found', async () => {
    const { code, stdout, stderr } = await start('interpolate.yaml', ATTACK.replace('      params:', '      interpolate: true\n      params:'));
    assert.equal(code, 2, stdout + stderr);
    assert.match(stderr, /tools\.custom\[0\]\.command\[4\].*tool "search": placeholders inside a shell script \(sh -c\) would be run as shell code/);
  });
});
