// The placement options: the worker's --group and --label, the orchestrator's --group-keys.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { loadOrchestratorConfig } from './load-orchestrator-config.js';
import { loadWorkerConfig } from './load-worker-config.js';

const scratch = mkdtempSync(join(tmpdir(), 'placement-options-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
};
const worker = (argv: string[], env: Record<string, string> = {}) => loadWorkerConfig({ argv, env, homeDir: scratch, hostname: 'h' });
const orchestrator = (argv: string[]) => loadOrchestratorConfig({ argv, env: {}, homeDir: scratch });

describe('worker --group and --label', () => {
  it('default: group default, no labels of its own', () => {
    const config = worker([]);
    assert.equal(config.group, 'default');
    assert.deepEqual(config.labels, {});
  });

  it('--label repeats and takes comma-separated pairs; the flag replaces the variable', () => {
    const config = worker(['--group', 'gpu', '--label', 'zone=eu-1', '--label', 'disk=ssd,gpus=2'], { WORKER_LABEL: 'other=x' });
    assert.equal(config.group, 'gpu');
    assert.deepEqual(config.labels, { zone: 'eu-1', disk: 'ssd', gpus: '2' });
  });

  it('refuses bad groups, bad labels and platform. keys, naming the option', () => {
    assert.throws(() => worker(['--group', 'GPU']), /invalid value for --group: group "GPU" is not 1–63 lower-case/);
    assert.throws(() => worker(['--label', 'zone']), /invalid value for --label: "zone" is not key=value/);
    assert.throws(() => worker(['--label', 'zone=a;b']), /invalid value for --label: label zone: value "a;b" is not/);
    assert.throws(() => worker(['--label', 'platform.os=plan9']), /--label: label platform.os: keys under "platform." are filled in by the worker/);
  });

  it('labels in a config file may be a mapping or pairs', () => {
    assert.deepEqual(worker(['--config', file('w1.yaml', 'labels:\n  zone: a\n  big: true\n')]).labels, { zone: 'a', big: 'true' });
    assert.deepEqual(worker(['--config', file('w2.yaml', 'labels: "zone=a,disk=hdd"\n')]).labels, { zone: 'a', disk: 'hdd' });
    assert.throws(() => worker(['--config', file('w3.yaml', 'labels:\n  zone: [a, b]\n')]), /label zone: \["a","b"\] is not a string/);
  });
});

describe('orchestrator --group-keys', () => {
  it('reads a mapping of group to key', () => {
    const keys = file('keys.yaml', 'gpu: "gpu-key-0123456789abcdef"\nbatch: "batch-key-0123456789abcdef"\n');
    assert.deepEqual(orchestrator(['--group-keys', keys]).groupKeys, { gpu: 'gpu-key-0123456789abcdef', batch: 'batch-key-0123456789abcdef' });
    assert.equal(orchestrator([]).groupKeys, undefined);
  });

  it('config/group-keys.example.yaml is such a file', () => {
    const example = new URL('../../config/group-keys.example.yaml', import.meta.url).pathname;
    assert.deepEqual(Object.keys(orchestrator(['--group-keys', example]).groupKeys ?? {}), ['gpu', 'build']);
  });

  it('refuses a missing file, a bad group name and a short key, naming the file', () => {
    assert.throws(() => orchestrator(['--group-keys', join(scratch, 'absent.yaml')]), /invalid value for --group-keys: cannot read group keys file .*absent\.yaml/);
    const badGroup = file('bad-group.yaml', 'GPU!: "gpu-key-0123456789abcdef"\n');
    assert.throws(() => orchestrator(['--group-keys', badGroup]), /--group-keys: .*bad-group\.yaml: group "GPU!" is not/);
    const shortKey = file('short.yaml', 'gpu: short\n');
    assert.throws(() => orchestrator(['--group-keys', shortKey]), /--group-keys: .*short\.yaml: group gpu: a worker key must be at least 16 printable characters/);
  });
});
