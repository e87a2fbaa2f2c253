// The shipped systemd unit: systemd itself accepts it, it reloads the policy, drains on stop,
// restarts always, and every flag its ExecStart passes is a flag the worker has.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { workerOptionSpecs } from '../../pkg/config/worker-option-specs.js';
import { ROOT } from '../support/processes.js';

const UNIT = join(ROOT, 'deploy', 'systemd', 'baaaht-worker.service');
const text = readFileSync(UNIT, 'utf8');
const setting = (key: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));

describe('deploy/systemd/baaaht-worker.service', () => {
  it('passes systemd-analyze verify', () => {
    const out = execFileSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out.trim(), '');
  });

  it('reloads the policy with SIGHUP, drains on stop, restarts always', () => {
    assert.deepEqual(setting('ExecReload'), ['/bin/kill -HUP $MAINPID']);
    assert.deepEqual(setting('KillSignal'), ['SIGUSR1']);
    assert.deepEqual(setting('Restart'), ['always']);
    assert.deepEqual(setting('NoNewPrivileges'), ['yes']);
    assert.deepEqual(setting('ProtectSystem'), ['strict']);
  });

  it('starts bin/worker with flags the worker has', () => {
    const [execStart] = setting('ExecStart');
    assert.ok(execStart?.includes('bin/worker'), execStart);
    const known = new Set(
      Object.values(workerOptionSpecs({ hostname: 'h', dockerHost: undefined, packageVersion: '0.0.0' }))
        .map((spec) => ('flag' in spec ? spec.flag : undefined))
        .filter((flag): flag is string => typeof flag === 'string'),
    );
    known.add('config'); // read by the option loader itself, before the specs
    const flags = (execStart ?? '').split(/\s+/).filter((word) => word.startsWith('--')).map((word) => word.slice(2));
    assert.ok(flags.length >= 4, flags.join(' '));
    for (const flag of flags) assert.ok(known.has(flag), `--${flag} is not a worker option`);
  });
});
