import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTaskArgs } from './parse-task-args.js';
import { UsageError } from './usage-error.js';

const cwd = '/home/me/project';
const parse = (argv: string[], env: Record<string, string> = {}) => parseTaskArgs(argv, env, cwd);
const NO_TOKEN = { kind: 'none' } as const;

describe('parseTaskArgs', () => {
  it('parses run with every option', () => {
    assert.deepEqual(
      parse([
        '--orchestrator-addr', '127.0.0.1:7070', '--insecure', 'run', 'file_write', '--mount', 'src', '--writable',
        '--param', 'path=a.txt', '--param', 'content=@big.bin', '--param', 'x=@@at', '--param', 'eq=a=b',
        '--timeout', '30s', '--worker', 'w1', '--group', 'gpu', '--label', 'zone=a', '--label', 'disk=ssd,platform.arch=arm64',
        '--json', '--detach',
      ]),
      {
        kind: 'run',
        addr: '127.0.0.1:7070',
        toolType: 'file_write',
        mount: '/home/me/project/src',
        writable: true,
        params: Object.assign(Object.create(null), {
          path: { kind: 'text', text: 'a.txt' },
          content: { kind: 'file', path: 'big.bin' },
          x: { kind: 'text', text: '@at' },
          eq: { kind: 'text', text: 'a=b' },
        }),
        timeoutMs: 30_000,
        worker: 'w1',
        group: 'gpu',
        labels: { zone: 'a', disk: 'ssd', 'platform.arch': 'arm64' },
        json: true,
        detach: true,
        insecure: true,
        token: NO_TOKEN,
      },
    );
  });

  it('has defaults: no mount, tool timeout, any worker, env then built-in address', () => {
    const run = parse(['run', 'list']);
    assert.equal(run.kind, 'run');
    if (run.kind !== 'run') return;
    assert.equal(run.addr, 'unix:///tmp/baaaht-grpc.sock');
    assert.equal(run.mount, '');
    assert.equal(run.timeoutMs, 0);
    assert.equal(run.worker, '');
    assert.equal(run.group, '');
    assert.deepEqual(run.labels, {});
    assert.equal(run.json, false);
    assert.equal(run.detach, false);
    assert.equal(parse(['workers'], { ORCHESTRATOR_URL: 'unix:/run/o.sock' }).kind, 'workers');
    assert.deepEqual(parse(['workers'], { ORCHESTRATOR_URL: 'unix:/run/o.sock' }), { kind: 'workers', addr: 'unix:/run/o.sock', json: false, token: NO_TOKEN });
    assert.deepEqual(parse(['--orchestrator-addr', 'h:1', 'workers', '--json', '--insecure'], { ORCHESTRATOR_URL: 'unix:/run/o.sock' }), {
      kind: 'workers',
      addr: 'h:1',
      json: true,
      insecure: true,
      token: NO_TOKEN,
    });
  });

  it('keeps an absolute mount as is', () => {
    const run = parse(['run', 'list', '--mount', '/data/']);
    assert.equal(run.kind === 'run' && run.mount, '/data');
  });

  it('parses get', () => {
    assert.deepEqual(parse(['get', 't-1']), { kind: 'get', addr: 'unix:///tmp/baaaht-grpc.sock', taskId: 't-1', json: false, token: NO_TOKEN });
    assert.deepEqual(parse(['get', 't-1', '--json']), { kind: 'get', addr: 'unix:///tmp/baaaht-grpc.sock', taskId: 't-1', json: true, token: NO_TOKEN });
  });

  it('parses watch: interval (default 1s) and once', () => {
    assert.deepEqual(parse(['watch']), { kind: 'watch', addr: 'unix:///tmp/baaaht-grpc.sock', intervalMs: 1000, once: false, token: NO_TOKEN });
    assert.deepEqual(parse(['watch', '--interval', '250ms', '--once']), {
      kind: 'watch',
      addr: 'unix:///tmp/baaaht-grpc.sock',
      intervalMs: 250,
      once: true,
      token: NO_TOKEN,
    });
    const interval = (raw: string): number | false => {
      const watch = parse(['watch', '--interval', raw]);
      return watch.kind === 'watch' && watch.intervalMs;
    };
    assert.equal(interval('1.5s'), 1500);
    assert.equal(interval('100ms'), 100);
    assert.equal(interval('60m'), 3_600_000);
  });

  it('keeps a label asked for twice with the same value, and accepts an empty value', () => {
    const run = parse(['run', 'list', '--label', 'zone=a', '--label', 'zone=a,gpu=']);
    assert.deepEqual(run.kind === 'run' && run.labels, { zone: 'a', gpu: '' });
  });

  it('parses cancel and help', () => {
    assert.deepEqual(parse(['cancel', 't-1', '--force']), { kind: 'cancel', addr: 'unix:///tmp/baaaht-grpc.sock', taskId: 't-1', force: true, token: NO_TOKEN });
    assert.deepEqual(parse(['--help']), { kind: 'help' });
    assert.deepEqual(parse(['run', '-h']), { kind: 'help' });
  });

  const bad: Array<[string[], RegExp]> = [
    [[], /missing command/],
    [['launch'], /unknown command "launch"/],
    [['run'], /exactly one TOOL/],
    [['run', 'a', 'b'], /exactly one TOOL/],
    [['run', 'list', '--param', 'novalue'], /KEY=VALUE/],
    [['run', 'list', '--param', '=v'], /KEY=VALUE/],
    [['run', 'list', '--param', 'a=1', '--param', 'a=2'], /more than once/],
    [['run', 'list', '--param', 'a=@'], /needs a file/],
    [['run', 'list', '--timeout', '30'], /not a duration/],
    [['run', 'list', '--timeout', 'soon'], /not a duration/],
    [['run', 'list', '--timeout', '0s'], /not a duration/],
    [['run', 'list', '--timeout', '100d'], /too long/],
    [['run', 'list', '--writable'], /needs --mount/],
    [['run', 'list', '--bogus'], /bogus/],
    [['workers', '--force'], /does not apply to workers/],
    [['workers', 'extra'], /no arguments/],
    [['cancel'], /exactly one TASK_ID/],
    [['cancel', 'a', '--json'], /does not apply to cancel/],
    [['get'], /exactly one TASK_ID/],
    [['get', 'a', 'b'], /exactly one TASK_ID/],
    [['get', 'a', '--detach'], /does not apply to get/],
    [['workers', '--detach'], /does not apply to workers/],
    [['--orchestrator-addr', 'nonsense', 'workers'], /"nonsense"/],
    [['run', 'list', '--group', ''], /--group needs a group name/],
    [['run', 'list', '--group', 'GPU'], /--group: group "GPU" is not/],
    [['run', 'list', '--group=-x'], /--group: group "-x" is not/],
    [['run', 'list', '--group', 'a'.repeat(64)], /--group: group/],
    [['run', 'list', '--label', ''], /--label needs key=value/],
    [['run', 'list', '--label', 'zone'], /--label: "zone" is not key=value/],
    [['run', 'list', '--label', '=a'], /--label: "=a" is not key=value/],
    [['run', 'list', '--label', 'zo ne=a'], /--label: label key "zo ne"/],
    [['run', 'list', '--label', 'zone=a b'], /--label: label zone: value "a b"/],
    [['run', 'list', '--label', 'zone=a', '--label', 'zone=b'], /--label zone is given twice, as "a" and "b"/],
    [['run', 'list', '--label', Array.from({ length: 65 }, (_, i) => `k${i}=v`).join(',')], /--label: 65 labels: at most 64/],
    [['get', 'a', '--group', 'g'], /--group does not apply to get/],
    [['workers', '--label', 'a=b'], /--label does not apply to workers/],
    [['watch', 'extra'], /watch takes no arguments/],
    [['watch', '--json'], /--json does not apply to watch/],
    [['watch', '--interval', '1'], /--interval "1" is not a duration/],
    [['watch', '--interval', 'often'], /--interval "often" is not a duration/],
    [['watch', '--interval', '50ms'], /--interval 50ms is out of range: 100ms to 60m/],
    [['watch', '--interval', '2h'], /--interval 2h is out of range/],
    [['run', 'list', '--once'], /--once does not apply to run/],
    [['run', 'list', '--interval', '1s'], /--interval does not apply to run/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(() => parse(argv), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});

describe('parseTaskArgs: TLS options (any command)', () => {
  const tcp = ['--orchestrator-addr', '10.0.0.5:7070'];
  it('keeps the TLS files as absolute paths for the command to read', () => {
    assert.deepEqual(parse([...tcp, '--ca-cert', 'tls/ca.pem', '--cert', '/etc/c.pem', '--key', 'k.pem', '--tls-server-name', 'orch', 'workers']), {
      kind: 'workers',
      addr: '10.0.0.5:7070',
      json: false,
      tls: { caCert: '/home/me/project/tls/ca.pem', cert: '/etc/c.pem', key: '/home/me/project/k.pem', serverName: 'orch' },
      token: NO_TOKEN,
    });
    const get = parse(['get', 't-1', ...tcp, '--insecure']);
    assert.equal(get.kind === 'get' && get.insecure, true);
    const run = parse(['run', 'list', '--ca-cert', 'ca.pem'], { ORCHESTRATOR_URL: 'h:1' });
    assert.deepEqual(run.kind === 'run' && run.tls, { caCert: '/home/me/project/ca.pem' });
  });

  const bad: Array<[string[], RegExp]> = [
    [[...tcp, 'workers'], /10\.0\.0\.5:7070 is a TCP address.*--ca-cert FILE.*--insecure/],
    [['--insecure', 'workers'], /--insecure applies to TCP addresses only/],
    [['--ca-cert', 'ca.pem', 'workers'], /--ca-cert applies to TCP addresses only/],
    [[...tcp, '--cert', 'c.pem', 'workers'], /--cert needs --key/],
    [[...tcp, '--insecure', '--ca-cert', 'ca.pem', 'workers'], /--insecure contradicts --ca-cert/],
    [[...tcp, '--ca-cert=', 'workers'], /--ca-cert needs a file/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(() => parse(argv), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});

describe('parseTaskArgs: the client token (any command)', () => {
  const token = (argv: string[], env: Record<string, string> = {}) => {
    const command = parse(argv, env);
    return command.kind === 'help' ? undefined : command.token;
  };
  it('--token-file (absolute), else $BAAAHT_TOKEN_FILE, else $BAAAHT_TOKEN; none by default', () => {
    const env = { BAAAHT_TOKEN_FILE: 'env.token', BAAAHT_TOKEN: 'secret-token-0123456789' };
    assert.deepEqual(token(['--token-file', 't.token', 'workers'], env), { kind: 'file', path: '/home/me/project/t.token' });
    assert.deepEqual(token(['get', 'x'], env), { kind: 'file', path: '/home/me/project/env.token' });
    assert.deepEqual(token(['watch'], { BAAAHT_TOKEN: 'secret-token-0123456789' }), { kind: 'env', variable: 'BAAAHT_TOKEN' });
    assert.deepEqual(token(['workers']), { kind: 'none' });
    // The command holds where the token is, never the token itself.
    assert.ok(!JSON.stringify(parse(['workers'], { BAAAHT_TOKEN: 'secret-token-0123456789' })).includes('secret-token'));
  });

  it('has no flag that takes the token itself; --token-file needs a file', () => {
    assert.throws(() => parse(['--token', 'secret-token-0123456789', 'workers']), UsageError);
    assert.throws(() => parse(['--token-file=', 'workers']), (error: unknown) => error instanceof UsageError && /--token-file needs a file/.test(error.message));
  });
});
