import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { makeTestCertificates } from '../../test/support/test-certificates.js';
import { hashClientToken } from '../rpc/client-token.js';
import { ConfigError } from './config-error.js';
import type { ConfigInput } from './config-input.js';
import { loadOrchestratorConfig } from './load-orchestrator-config.js';
import { orchestratorHelpText } from './orchestrator-help-text.js';
import type { OrchestratorConfig } from './orchestrator-config.js';
import { parseOrchestratorArgs } from './parse-orchestrator-args.js';

const scratch = mkdtempSync(join(tmpdir(), 'orchestrator-config-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let count = 0;
function writeFile(name: string, content: string): string {
  const path = join(scratch, `${count++}-${name}`);
  writeFileSync(path, content);
  return path;
}

const HOME = join(scratch, 'home');
mkdirSync(HOME);

/** Loads with an empty home directory (HOME, unless overridden). */
function load(overrides: Partial<ConfigInput> = {}): OrchestratorConfig {
  return loadOrchestratorConfig({ argv: [], env: {}, homeDir: HOME, ...overrides });
}

function loadError(overrides: Partial<ConfigInput>): ConfigError {
  try {
    load(overrides);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('parseOrchestratorArgs', () => {
  it('compiles the defaults', () => {
    assert.deepEqual(load(), {
      listen: 'unix:///tmp/baaaht-grpc.sock',
      socketMode: 0o600,
      maxRecvMsgSize: 104_857_600,
      maxSendMsgSize: 104_857_600,
      resultRetentionMs: 600_000,
      maxRetainedResults: 1_000,
      workerTimeoutMs: 90_000,
      maxAttempts: 3,
      queueLimits: { maxQueuedTasks: 10_000, maxQueuedBytes: 268_435_456, maxTasksPerClient: 1000 },
      dataDir: join(HOME, '.local/share/baaaht/orchestrator'),
      log: { level: 'info', format: 'text', output: 'stdout' },
    } satisfies OrchestratorConfig);
  });

  it('reads every option from a YAML file', () => {
    const path = writeFile(
      'orchestrator.yaml',
      [
        'listen: 127.0.0.1:7070',
        'insecure: true',
        'socketMode: "0660"',
        'maxRecvMsgSize: 8MiB',
        'maxSendMsgSize: 4194304',
        'resultRetention: 1h',
        'maxRetainedResults: 50',
        'workerTimeout: 2m',
        'maxAttempts: 1',
        'maxQueuedTasks: 20',
        'maxQueuedBytes: 1MiB',
        'maxTasksPerClient: 5',
        'dataDir: /var/lib/baaaht/',
        'log: { level: debug, format: json, output: stderr }',
      ].join('\n'),
    );
    assert.deepEqual(load({ argv: ['--config', path] }), {
      listen: '127.0.0.1:7070',
      socketMode: 0o660,
      insecure: true,
      maxRecvMsgSize: 8_388_608,
      maxSendMsgSize: 4_194_304,
      resultRetentionMs: 3_600_000,
      maxRetainedResults: 50,
      workerTimeoutMs: 120_000,
      maxAttempts: 1,
      queueLimits: { maxQueuedTasks: 20, maxQueuedBytes: 1_048_576, maxTasksPerClient: 5 },
      dataDir: '/var/lib/baaaht',
      log: { level: 'debug', format: 'json', output: 'stderr' },
    } satisfies OrchestratorConfig);
  });

  it('reads a JSON file and <home>/.config/baaaht/orchestrator.yaml', () => {
    const json = writeFile('o.json', JSON.stringify({ workerTimeout: '45s', log: { level: 'warn' } }));
    const fromJson = load({ argv: ['--config', json] });
    assert.equal(fromJson.workerTimeoutMs, 45_000);
    assert.equal(fromJson.log.level, 'warn');

    const home = join(scratch, `home-${count++}`);
    mkdirSync(join(home, '.config', 'baaaht'), { recursive: true });
    writeFileSync(join(home, '.config', 'baaaht', 'orchestrator.yaml'), 'maxRetainedResults: 7\n');
    assert.equal(loadOrchestratorConfig({ argv: [], env: {}, homeDir: home }).maxRetainedResults, 7);
  });

  it('config/orchestrator.example.yaml sets every option to its default', () => {
    const example = new URL('../../config/orchestrator.example.yaml', import.meta.url).pathname;
    assert.deepEqual(load({ argv: ['--config', example] }), load());
  });

  it('applies flag > ORCHESTRATOR_* env > file > default', () => {
    const path = writeFile('layers.yaml', 'workerTimeout: 60s\n');
    const cases: { argv: string[]; env: Record<string, string>; expected: number }[] = [
      { argv: [], env: {}, expected: 90_000 },
      { argv: ['--config', path], env: {}, expected: 60_000 },
      { argv: [], env: { ORCHESTRATOR_CONFIG: path }, expected: 60_000 },
      { argv: ['--config', path], env: { ORCHESTRATOR_WORKER_TIMEOUT: '30s' }, expected: 30_000 },
      { argv: ['--config', path, '--worker-timeout=15s'], env: { ORCHESTRATOR_WORKER_TIMEOUT: '30s' }, expected: 15_000 },
    ];
    for (const { argv, env, expected } of cases) assert.equal(load({ argv, env }).workerTimeoutMs, expected, JSON.stringify({ argv, env }));
  });

  const dataDirCases: [string[], Record<string, string>, string][] = [
    [['--data-dir', ':memory:'], {}, ':memory:'],
    [['--data-dir', '~/state'], {}, join(HOME, 'state')],
    [['--data-dir', '~'], {}, HOME],
    [['--data-dir', 'rel/dir'], {}, 'rel/dir'],
    [[], { ORCHESTRATOR_DATA_DIR: '/srv/o' }, '/srv/o'],
    [['--data-dir=/a/../b/'], { ORCHESTRATOR_DATA_DIR: '/srv/o' }, '/b'],
  ];
  for (const [argv, env, expected] of dataDirCases) {
    it(`data dir ${JSON.stringify({ argv, env })} → ${expected}`, () => assert.equal(load({ argv, env }).dataDir, expected));
  }

  it('max attempts from flag and env', () => {
    assert.equal(load({ argv: ['--max-attempts', '5'] }).maxAttempts, 5);
    assert.equal(load({ env: { ORCHESTRATOR_MAX_ATTEMPTS: '1' } }).maxAttempts, 1);
  });

  const listenCases: [string, string][] = [
    ['unix:///run/baaaht.sock', 'unix:///run/baaaht.sock'],
    ['unix:/run/baaaht.sock', 'unix:///run/baaaht.sock'],
    ['0.0.0.0:7070', '0.0.0.0:7070'],
    ['[::1]:7070', '[::1]:7070'],
    ['localhost:0', 'localhost:0'],
  ];
  for (const [given, expected] of listenCases) {
    const insecure = given.startsWith('unix:') ? [] : ['--insecure']; // TCP needs TLS or --insecure
    it(`--listen ${given} → ${expected}`, () => assert.equal(load({ argv: ['--listen', given, ...insecure] }).listen, expected));
  }

  const modeCases: [string, number][] = [
    ['0600', 0o600],
    ['600', 0o600],
    ['0o660', 0o660],
  ];
  for (const [given, expected] of modeCases) {
    it(`--socket-mode ${given} → 0${expected.toString(8)}`, () => assert.equal(load({ argv: ['--socket-mode', given] }).socketMode, expected));
  }

  it('reads unquoted YAML modes (0600 loads as 600, 0o660 as 432)', () => {
    assert.equal(load({ argv: ['--config', writeFile('m1.yaml', 'socketMode: 0600\n')] }).socketMode, 0o600);
    assert.equal(load({ argv: ['--config', writeFile('m2.yaml', 'socketMode: 0o660\n')] }).socketMode, 0o660);
  });

  const invalid: { argv?: string[]; env?: Record<string, string>; option: string; message: RegExp }[] = [
    { argv: ['--socket-mode', '0666'], option: '--socket-mode', message: /--socket-mode: "0666" gives other users access/ },
    { argv: ['--socket-mode', '0777'], option: '--socket-mode', message: /gives other users access/ },
    { argv: ['--socket-mode', '0604'], option: '--socket-mode', message: /gives other users access/ },
    { argv: ['--socket-mode', '0400'], option: '--socket-mode', message: /does not let the owner read and write/ },
    { argv: ['--socket-mode', '4600'], option: '--socket-mode', message: /special bits/ },
    { argv: ['--socket-mode', '0640'], option: '--socket-mode', message: /"0640" is neither 0600 nor 0660/ },
    { argv: ['--socket-mode', 'rw-------'], option: '--socket-mode', message: /is not an octal file mode/ },
    { env: { ORCHESTRATOR_SOCKET_MODE: '0662' }, option: '--socket-mode', message: /\(from ORCHESTRATOR_SOCKET_MODE\): "0662" gives other users access/ },
    { argv: ['--listen', 'tcp://0.0.0.0:1'], option: '--listen', message: /is not an address/ },
    { argv: ['--listen', ':7070'], option: '--listen', message: /port is missing/ },
    { argv: ['--result-retention', 'forever'], option: '--result-retention', message: /"forever" is not a duration/ },
    { argv: ['--worker-timeout', '0ms'], option: '--worker-timeout', message: /must be more than zero/ },
    { argv: ['--max-retained-results', '0'], option: '--max-retained-results', message: /less than the minimum of 1/ },
    { argv: ['--max-attempts', '0'], option: '--max-attempts', message: /less than the minimum of 1/ },
    { argv: ['--max-attempts', 'many'], option: '--max-attempts', message: /not a whole number/ },
    { argv: ['--data-dir', '~other/x'], option: '--data-dir', message: /only ~\/ .* is expanded/ },
    { argv: ['--data-dir='], option: '--data-dir', message: /empty/ },
    { argv: ['--max-recv-msg-size', 'x'], option: '--max-recv-msg-size', message: /is not a size/ },
    { argv: ['--log-level', 'trace'], option: '--log-level', message: /"trace" is not one of/ },
    { argv: ['--orchestrator-addr', 'x:1'], option: '--orchestrator-addr', message: /^unknown option --orchestrator-addr/ },
  ];
  for (const { argv, env, option, message } of invalid) {
    it(`${JSON.stringify(argv ?? env)} → ${option}`, () => {
      const error = loadError({ argv: argv ?? [], env: env ?? {} });
      assert.match(error.message, message);
      assert.equal(error.option, option);
    });
  }

  it('rejects an unknown key in the file', () => {
    const error = loadError({ argv: ['--config', writeFile('u.yaml', 'socket_mode: "0600"\n')] });
    assert.match(error.message, /unknown key "socket_mode" .*did you mean "socketMode"/);
  });

  it('handles --help', () => {
    const parsed = parseOrchestratorArgs({ argv: ['-h'], env: {}, homeDir: scratch });
    assert.deepEqual(parsed, { kind: 'help', text: orchestratorHelpText() });
    assert.equal(loadError({ argv: ['--help'] }).option, '--help');
    const text = orchestratorHelpText();
    for (const flag of ['listen', 'socket-mode', 'max-recv-msg-size', 'max-send-msg-size', 'result-retention', 'max-retained-results', 'worker-timeout', 'max-attempts', 'data-dir', 'log-level', 'log-format', 'log-output']) {
      assert.ok(text.includes(`  --${flag} <`), flag);
      assert.ok(text.includes(`env: ORCHESTRATOR_${flag.toUpperCase().replaceAll('-', '_')};`), flag);
    }
    assert.match(text, /default: 0600, or 0660 with --socket-group;/);
    assert.match(text, /default: 10m;/);
    assert.match(text, /default: ~\/\.local\/share\/baaaht\/orchestrator;/);
  });
});

/** A client tokens file (0600) with alice (client) and root (admin, by hash). */
function writeTokens(): string {
  const path = writeFile(
    'tokens.yaml',
    ['clients:', '  - { name: alice, token: alice-token-0123456789 }', `  - { name: root, tokenSha256: "${'ab'.repeat(32)}", role: admin }`].join('\n'),
  );
  chmodSync(path, 0o600);
  return path;
}

describe('parseOrchestratorArgs: client tokens and queue limits', () => {
  it('reads --client-tokens into names, roles and SHA-256 digests only', () => {
    const config = load({ argv: ['--client-tokens', writeTokens()] });
    assert.deepEqual(config.clientTokens, [
      { name: 'alice', role: 'client', tokenSha256: hashClientToken('alice-token-0123456789') },
      { name: 'root', role: 'admin', tokenSha256: 'ab'.repeat(32) },
    ]);
    assert.ok(!JSON.stringify(config).includes('alice-token-0123456789'));
  });

  it('config/client-tokens.example.yaml is a valid tokens file (once made 0600, as it says)', () => {
    const example = readFileSync(new URL('../../config/client-tokens.example.yaml', import.meta.url).pathname, 'utf8');
    const copy = writeFile('client-tokens.yaml', example);
    chmodSync(copy, 0o600);
    assert.deepEqual(load({ argv: ['--client-tokens', copy] }).clientTokens?.map((c) => [c.name, c.role]), [
      ['agent-host', 'client'],
      ['tenant-a', 'client'],
      ['operator', 'admin'],
    ]);
  });

  it('reads the queue limits from flags and the environment', () => {
    const config = load({ argv: ['--max-queued-tasks', '7', '--max-queued-bytes', '64MiB'], env: { ORCHESTRATOR_MAX_TASKS_PER_CLIENT: '3' } });
    assert.deepEqual(config.queueLimits, { maxQueuedTasks: 7, maxQueuedBytes: 64 * 1024 * 1024, maxTasksPerClient: 3 });
  });

  const bad: [string, string, RegExp][] = [
    ['no list', 'clients: {}\n', /clients must be a non-empty list/],
    ['short token', 'clients: [{ name: a, token: short }]\n', /at least 16 printable characters/],
    ['both', `clients: [{ name: a, token: long-enough-token-123, tokenSha256: "${'a'.repeat(64)}" }]\n`, /exactly one of token and tokenSha256/],
    ['bad hash', 'clients: [{ name: a, tokenSha256: "abc" }]\n', /64 hex digits/],
    ['bad role', 'clients: [{ name: a, token: long-enough-token-123, role: root }]\n', /role must be client or admin/],
    ['bad name', 'clients: [{ name: "a b", token: long-enough-token-123 }]\n', /name must be/],
    ['same name', 'clients: [{ name: a, token: long-enough-token-123 }, { name: a, token: long-enough-token-456 }]\n', /given twice/],
    ['same token', 'clients: [{ name: a, token: long-enough-token-123 }, { name: b, token: long-enough-token-123 }]\n', /same token as another client/],
    ['unknown key', 'clients: [{ name: a, token: long-enough-token-123, admin: true }]\n', /unknown key admin/],
  ];
  for (const [name, content, message] of bad) {
    it(`refuses a client tokens file: ${name}`, () => {
      const path = writeFile('bad-tokens.yaml', content);
      chmodSync(path, 0o600);
      const error = loadError({ argv: ['--client-tokens', path] });
      assert.equal(error.option, '--client-tokens');
      assert.match(error.message, message);
    });
  }

  it('refuses a world-readable file holding plain tokens, not one holding only hashes', () => {
    const plain = writeFile('plain.yaml', 'clients: [{ name: a, token: long-enough-token-123 }]\n');
    chmodSync(plain, 0o644);
    assert.match(loadError({ argv: ['--client-tokens', plain] }).message, /every user can read it/);
    const hashed = writeFile('hashed.yaml', `clients: [{ name: a, tokenSha256: "${'c'.repeat(64)}" }]\n`);
    chmodSync(hashed, 0o644);
    assert.equal(load({ argv: ['--client-tokens', hashed] }).clientTokens?.length, 1);
  });
});

describe('parseOrchestratorArgs: TLS and the socket group', () => {
  const certs = makeTestCertificates();
  after(() => certs.remove());
  const tcp = ['--listen', '0.0.0.0:7070'];
  const serverTls = ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey];

  it('reads --tls-cert, --tls-key and --tls-client-ca once into the config', () => {
    const tokens = writeTokens();
    assert.deepEqual(load({ argv: [...tcp, ...serverTls, '--client-tokens', tokens] }).tls, {
      cert: readFileSync(certs.serverCert),
      key: readFileSync(certs.serverKey),
    });
    const mutual = load({ argv: [...tcp, ...serverTls, '--tls-client-ca', certs.caCert] });
    assert.deepEqual(mutual.tls?.clientCa, readFileSync(certs.caCert));
    assert.equal(mutual.insecure, undefined);
    const fromEnv = load({ argv: tcp, env: { ORCHESTRATOR_TLS_CERT: certs.serverCert, ORCHESTRATOR_TLS_KEY: certs.serverKey, ORCHESTRATOR_TLS_CLIENT_CA: certs.caCert } });
    assert.deepEqual(fromEnv.tls?.cert, readFileSync(certs.serverCert));
    const fromFile = load({
      argv: ['--config', writeFile('tls.yaml', `listen: 127.0.0.1:1\nclientTokens: ${tokens}\ntls:\n  cert: ${certs.serverCert}\n  key: ${certs.serverKey}\n`)],
    });
    assert.deepEqual(fromFile.tls?.key, readFileSync(certs.serverKey));
    assert.equal(load({ argv: [...tcp, '--insecure'] }).insecure, true);
  });

  it('--socket-group: 0660 and the gid; a number is taken as it is; without it 0600', () => {
    assert.deepEqual(
      [load({ argv: ['--socket-group', 'daemon'] })].map((c) => [c.socketMode, c.socketGroup]),
      [[0o660, 1]],
    );
    const numeric = load({ argv: ['--socket-group', '4242', '--socket-mode', '0660'] });
    assert.equal(numeric.socketMode, 0o660);
    assert.equal(numeric.socketGroup, 4242);
    assert.equal(load({ argv: ['--config', writeFile('g.yaml', 'socketGroup: 1\n')] }).socketGroup, 1);
    const ungrouped = load({ argv: ['--socket-mode', '0660'] });
    assert.equal(ungrouped.socketMode, 0o660);
    assert.equal(ungrouped.socketGroup, undefined);
    assert.equal(load().socketMode, 0o600);
  });

  const invalid: { argv?: string[]; env?: Record<string, string>; option: string; message: RegExp }[] = [
    { argv: tcp, option: '--listen', message: /--listen 0\.0\.0\.0:7070 is a TCP address.*--tls-cert FILE --tls-key FILE.*--insecure/ },
    { argv: ['--tls-cert', certs.serverCert], option: '--tls-cert', message: /--tls-cert applies to TCP listeners only/ },
    { argv: ['--insecure'], option: '--insecure', message: /--insecure applies to TCP listeners only/ },
    { argv: [...tcp, ...serverTls, '--insecure'], option: '--insecure', message: /--insecure contradicts --tls-cert/ },
    { argv: [...tcp, '--tls-cert', certs.serverCert], option: '--tls-key', message: /--tls-cert needs --tls-key/ },
    { argv: [...tcp, '--tls-client-ca', certs.caCert], option: '--tls-cert', message: /--tls-client-ca needs --tls-cert/ },
    { argv: [...tcp, '--tls-cert', '/nonexistent/s.pem', '--tls-key', certs.serverKey], option: '--tls-cert', message: /cannot be read \(ENOENT\)/ },
    { argv: [...tcp, ...serverTls, '--tls-client-ca', certs.dir], option: '--tls-client-ca', message: /cannot be read \(EISDIR\)/ },
    { argv: [...tcp, '--tls-cert', certs.serverCert, '--tls-key', certs.clientKey], option: '--tls-key', message: /not the private key of the certificate in --tls-cert/ },
    { argv: ['--socket-group', 'no-such-group-here'], option: '--socket-group', message: /there is no group "no-such-group-here"/ },
    { argv: ['--socket-group', 'bad group'], option: '--socket-group', message: /is not a group name or numeric gid/ },
    { argv: ['--socket-group', 'daemon', '--socket-mode', '0600'], option: '--socket-mode', message: /0600 contradicts --socket-group daemon/ },
    { argv: [...tcp, '--insecure', '--socket-group', 'daemon'], option: '--socket-group', message: /applies to unix sockets only/ },
    {
      argv: [...tcp, ...serverTls],
      option: '--client-tokens',
      message: /--listen 0\.0\.0\.0:7070 would accept anonymous clients from the network.*--client-tokens FILE.*--tls-client-ca FILE.*--insecure/,
    },
  ];
  for (const { argv, env, option, message } of invalid) {
    it(`${JSON.stringify(argv ?? env)} → ${option}`, () => {
      const error = loadError({ argv: argv ?? [], env: env ?? {} });
      assert.match(error.message, message);
      assert.equal(error.option, option);
    });
  }
});
