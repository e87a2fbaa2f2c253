import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InvalidValueError } from './invalid-value-error.js';
import { parseByteSize } from './parse-byte-size.js';
import { parseDuration } from './parse-duration.js';
import { parseGrpcAddress } from './parse-grpc-address.js';
import { parseInteger } from './parse-integer.js';
import { parseSocketMode } from './parse-socket-mode.js';
import { parseToolOverrides } from './parse-tool-overrides.js';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InvalidValueError);
    return error.message;
  }
  assert.fail('expected an InvalidValueError');
}

describe('parseDuration', () => {
  const valid: [unknown, number][] = [
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['2 minutes', 120_000],
    ['24d', 2_073_600_000],
  ];
  for (const [raw, expected] of valid) it(`${String(raw)} → ${expected}`, () => assert.equal(parseDuration(raw), expected));
  it('allows zero only when asked', () => {
    assert.equal(parseDuration('0s', { min: 0 }), 0);
    assert.match(reason(() => parseDuration('0s')), /must be more than zero/);
  });
  for (const raw of ['30', 30, '', 'abc', '5 parsecs', '1e3s', true, null, {}]) {
    it(`rejects ${JSON.stringify(raw)}`, () => assert.match(reason(() => parseDuration(raw)), /is not a duration \(e\.g\. 30s, 5m\)/));
  }
  it('rejects what a Node timer cannot wait for', () => assert.match(reason(() => parseDuration('25d')), /too long \(at most 24 days\)/));
});

describe('parseByteSize', () => {
  const valid: [unknown, number][] = [
    [10485760, 10_485_760],
    ['10485760', 10_485_760],
    ['512b', 512],
    ['64k', 65_536],
    ['64KiB', 65_536],
    ['128m', 134_217_728],
    ['64MiB', 67_108_864],
    ['64MB', 67_108_864],
    ['1.5g', 1_610_612_736],
    ['1.0001k', 1_024],
  ];
  for (const [raw, expected] of valid) it(`${String(raw)} → ${expected}`, () => assert.equal(parseByteSize(raw), expected));
  for (const raw of ['', 'big', '12abc', '-1', '1.5.5k', '64iB', 1.5, -3, '10 MiB extra', null]) {
    it(`rejects ${JSON.stringify(raw)}`, () => assert.match(reason(() => parseByteSize(raw)), /is not a size in bytes|less than the minimum/));
  }
  it('enforces min and max', () => {
    assert.match(reason(() => parseByteSize('1m', { min: 6 * 1024 * 1024 })), /less than the minimum of 6291456 bytes/);
    assert.match(reason(() => parseByteSize('3g', { max: 2 ** 31 - 1 })), /more than the maximum of 2147483647 bytes/);
  });
});

describe('parseInteger', () => {
  it('reads numbers and digit strings', () => {
    assert.equal(parseInteger('42'), 42);
    assert.equal(parseInteger(7, { min: 1 }), 7);
  });
  for (const raw of ['4x', '2.5', 2.5, '', '0x10', true]) {
    it(`rejects ${JSON.stringify(raw)}`, () => assert.match(reason(() => parseInteger(raw)), /is not a whole number/));
  }
});

describe('parseGrpcAddress', () => {
  const valid: [string, string][] = [
    ['unix:///tmp/a.sock', 'unix:///tmp/a.sock'],
    ['unix:/tmp/a.sock', 'unix:/tmp/a.sock'],
    ['localhost:7070', 'localhost:7070'],
    ['10.0.0.1:1', '10.0.0.1:1'],
    ['[::1]:65535', '[::1]:65535'],
    ['orchestrator.internal:443', 'orchestrator.internal:443'],
  ];
  for (const [raw, expected] of valid) it(`accepts ${raw}`, () => assert.equal(parseGrpcAddress(raw), expected));
  it('normalizes unix:/path for listeners', () => assert.equal(parseGrpcAddress('unix:/a.sock', { normalizeUnix: true }), 'unix:///a.sock'));
  const invalid: [unknown, RegExp][] = [
    ['', /non-empty/],
    ['unix://tmp/a.sock', /absolute/],
    ['unix:', /absolute/],
    ['http://host:80', /scheme/],
    ['dns:///host:80', /scheme/],
    ['host', /port is missing/],
    ['host:0', /port must be/],
    ['host:http', /port must be/],
    ['ho st:1', /white space/],
    ['-host:1', /not a host name/],
    ['::1:80', /not a host name/],
    [7070, /non-empty string/],
  ];
  for (const [raw, message] of invalid) it(`rejects ${JSON.stringify(raw)}`, () => assert.match(reason(() => parseGrpcAddress(raw)), message));
  it('allows port 0 only for listeners', () => assert.equal(parseGrpcAddress('localhost:0', { allowPortZero: true }), 'localhost:0'));
});

describe('parseSocketMode', () => {
  const valid: [unknown, number][] = [
    ['0600', 0o600],
    ['600', 0o600],
    ['0o660', 0o660],
    ['0660', 0o660],
    [600, 0o600],
    [660, 0o660],
    [0o600, 0o600],
    [0o660, 0o660],
  ];
  for (const [raw, expected] of valid) it(`${JSON.stringify(raw)} → 0${expected.toString(8)}`, () => assert.equal(parseSocketMode(raw), expected));
  const invalid: [unknown, RegExp][] = [
    ['0666', /other users/],
    ['0601', /other users/],
    [0o606, /other users/],
    [666, /other users/],
    ['0200', /owner read and write/],
    ['2660', /special bits/],
    ['0640', /neither 0600 nor 0660/],
    ['0700', /neither 0600 nor 0660/],
    ['0800', /not an octal file mode/],
    ['', /not an octal file mode/],
    [-1, /not an octal file mode/],
  ];
  for (const [raw, message] of invalid) it(`rejects ${JSON.stringify(raw)}`, () => assert.match(reason(() => parseSocketMode(raw)), message));
});

describe('parseToolOverrides', () => {
  it('compiles every setting', () => {
    assert.deepEqual(
      parseToolOverrides({
        file_read: { image: 'img:1', cpus: '0.5', memory: '64MiB', pids: '16', timeout: '2m', runtime: 'runsc', network: 'none' },
        grep: { memory: 8388608 },
        'web-search': {},
        noop: null,
      }),
      {
        file_read: {
          image: 'img:1',
          limits: { cpus: 0.5, memoryBytes: 67_108_864, pids: 16 },
          timeoutMs: 120_000,
          runtime: 'runsc',
          network: 'none',
        },
        grep: { limits: { memoryBytes: 8_388_608 } },
        'web-search': {},
        noop: {},
      },
    );
  });
  const invalid: [unknown, string, RegExp][] = [
    [{ t: { cpus: 0 } }, 't.cpus', /not a positive number of CPUs/],
    [{ t: { cpus: 'half' } }, 't.cpus', /not a positive number of CPUs/],
    [{ t: { pids: 0 } }, 't.pids', /less than the minimum of 1/],
    [{ t: { memory: '5m' } }, 't.memory', /less than the minimum/],
    [{ t: { timeout: 30 } }, 't.timeout', /is not a duration/],
    [{ t: { network: 'host net' } }, 't.network', /not a Docker network name/],
    [{ t: { runtime: '' } }, 't.runtime', /empty/],
    [{ t: { image: '-rm' } }, 't.image', /not an image reference/],
    [{ t: { color: 'red' } }, 't.color', /unknown setting/],
    [{ t: 'big' }, 't', /not a mapping/],
    [{ T: {} }, 'T', /not a tool type/],
  ];
  for (const [raw, subKey, message] of invalid) {
    it(`rejects ${JSON.stringify(raw)} at ${subKey}`, () => {
      try {
        parseToolOverrides(raw);
        assert.fail('expected an InvalidValueError');
      } catch (error) {
        assert.ok(error instanceof InvalidValueError);
        assert.equal(error.subKey, subKey);
        assert.match(error.reason, message);
      }
    });
  }
  it('rejects a non-mapping', () => assert.match(reason(() => parseToolOverrides(['a'])), /not a mapping of tool type/));
});
