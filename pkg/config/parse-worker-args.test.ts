import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { makeTestCertificates } from '../../test/support/test-certificates.js';
import { createBuiltinToolRegistry } from '../tools/create-builtin-tool-registry.js';
import { ConfigError } from './config-error.js';
import type { WorkerConfigInput } from './config-input.js';
import { loadWorkerConfig } from './load-worker-config.js';
import { parseWorkerArgs } from './parse-worker-args.js';
import type { WorkerConfig } from './worker-config.js';
import { workerHelpText } from './worker-help-text.js';

const scratch = mkdtempSync(join(tmpdir(), 'worker-config-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let fileCount = 0;
function writeFile(name: string, content: string): string {
  const path = join(scratch, `${fileCount++}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** A home directory with no config file, unless one is written into it. */
function emptyHome(): string {
  const home = join(scratch, `home-${fileCount++}`);
  mkdirSync(home);
  return home;
}

function input(overrides: Partial<WorkerConfigInput> = {}): WorkerConfigInput {
  return { argv: [], env: {}, homeDir: emptyHome(), hostname: 'box', ...overrides };
}

function load(overrides: Partial<WorkerConfigInput> = {}): WorkerConfig {
  return loadWorkerConfig(input(overrides));
}

function loadError(overrides: Partial<WorkerConfigInput>): ConfigError {
  try {
    load(overrides);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

describe('parseWorkerArgs: defaults', () => {
  it('compiles every default into numbers', () => {
    assert.deepEqual(load(), {
      orchestratorAddr: 'unix:///tmp/baaaht-grpc.sock',
      name: 'worker-box',
      group: 'default',
      labels: {},
      taskRecords: { enabled: false, retentionMs: 86_400_000 },
      dialTimeoutMs: 30_000,
      rpcTimeoutMs: 10_000,
      maxRecvMsgSize: 104_857_600,
      maxSendMsgSize: 104_857_600,
      reconnectIntervalMs: 5_000,
      reconnectMaxAttempts: 0,
      heartbeatIntervalMs: 30_000,
      maxConcurrentTasks: 4,
      log: { level: 'info', format: 'text', output: 'stdout' },
      dockerSocket: '/var/run/docker.sock',
      outputCapBytes: 10_485_760,
      cancelGraceMs: 2_000,
      reconnectMaxIntervalMs: 60_000,
      shutdownTimeoutMs: 30_000,
      workDir: join(tmpdir(), 'baaaht-worker-worker-box'),
      mountRoots: [],
      neverMount: [],
      mountPinDir: join(tmpdir(), 'baaaht-worker-worker-box', 'pins'),
      tlsFiles: [],
      policyFile: '',
      auditLog: join(tmpdir(), 'baaaht-worker-worker-box', 'audit.log'),
      resultMemoryBytes: 16_777_216,
      minFreeDiskBytes: 67_108_864,
      unackedResults: { maxCount: 1_000, maxBytes: 268_435_456, ttlMs: 3_600_000 },
      reapIntervalMs: 60_000,
      reapMarginMs: 30_000,
      engineCheckIntervalMs: 10_000,
      warmPool: { enabled: false, perKey: 1, max: 4, idleMs: 60_000 },
      tools: {
        image: `baaaht/tools:${packageVersion}`,
        searchUrlTemplate: 'https://html.duckduckgo.com/html/?q={query}',
        maxFetchBytes: 5_242_880,
        maxWriteBytes: 33_554_432,
        webNetwork: 'baaaht-egress',
        overrides: {},
        custom: [],
      },
    } satisfies WorkerConfig);
  });

  const dockerHostCases: { dockerHost: string; socket: string }[] = [
    { dockerHost: 'unix:///run/user/1000/docker.sock', socket: '/run/user/1000/docker.sock' },
    { dockerHost: 'tcp://10.0.0.1:2375', socket: '/var/run/docker.sock' },
    { dockerHost: 'unix://', socket: '/var/run/docker.sock' },
    { dockerHost: '', socket: '/var/run/docker.sock' },
  ];
  for (const { dockerHost, socket } of dockerHostCases) {
    it(`takes the default Docker socket from DOCKER_HOST=${JSON.stringify(dockerHost)}`, () => {
      assert.equal(load({ env: { DOCKER_HOST: dockerHost } }).dockerSocket, socket);
    });
  }

  it('lets WORKER_DOCKER_SOCKET and --docker-socket beat DOCKER_HOST', () => {
    const env = { DOCKER_HOST: 'unix:///from/docker-host.sock', WORKER_DOCKER_SOCKET: 'unix:///from/env.sock' };
    assert.equal(load({ env }).dockerSocket, '/from/env.sock');
    assert.equal(load({ env, argv: ['--docker-socket', '/from/flag.sock'] }).dockerSocket, '/from/flag.sock');
  });
});

describe('parseWorkerArgs: precedence (flag > env > file > default)', () => {
  const file = writeFile(
    'layers.yaml',
    ['heartbeatInterval: 20s', 'log:', '  level: warn', 'tools:', '  webNetwork: from-file'].join('\n'),
  );
  const cases: {
    name: string;
    argv?: string[];
    env?: Record<string, string>;
    pick: (config: WorkerConfig) => unknown;
    expected: unknown;
  }[] = [
    { name: 'default', pick: (c) => c.heartbeatIntervalMs, expected: 30_000, argv: [] },
    { name: 'file beats default', pick: (c) => c.heartbeatIntervalMs, expected: 20_000, argv: ['--config', file] },
    {
      name: 'env beats file',
      argv: ['--config', file],
      env: { WORKER_HEARTBEAT_INTERVAL: '15s' },
      pick: (c) => c.heartbeatIntervalMs,
      expected: 15_000,
    },
    {
      name: 'flag beats env',
      argv: ['--config', file, '--heartbeat-interval', '10s'],
      env: { WORKER_HEARTBEAT_INTERVAL: '15s' },
      pick: (c) => c.heartbeatIntervalMs,
      expected: 10_000,
    },
    { name: 'nested key from file', argv: ['--config', file], pick: (c) => c.log.level, expected: 'warn' },
    {
      name: 'env beats nested file key',
      argv: ['--config', file],
      env: { WORKER_LOG_LEVEL: 'error' },
      pick: (c) => c.log.level,
      expected: 'error',
    },
    {
      name: 'flag beats env for a nested key',
      argv: ['--config', file, '--log-level=debug'],
      env: { WORKER_LOG_LEVEL: 'error' },
      pick: (c) => c.log.level,
      expected: 'debug',
    },
    { name: 'tools key from file', argv: ['--config', file], pick: (c) => c.tools.webNetwork, expected: 'from-file' },
    {
      name: 'empty env var is ignored',
      argv: ['--config', file],
      env: { WORKER_HEARTBEAT_INTERVAL: '' },
      pick: (c) => c.heartbeatIntervalMs,
      expected: 20_000,
    },
  ];
  for (const { name, argv, env, pick, expected } of cases) {
    it(name, () => {
      assert.deepEqual(pick(load({ argv: argv ?? [], env: env ?? {} })), expected);
    });
  }

  const addrFile = writeFile('addr.yaml', 'orchestratorAddr: file-host:1\n');
  const addrCases: { name: string; argv: string[]; env: Record<string, string>; expected: string }[] = [
    { name: 'file', argv: ['--config', addrFile], env: {}, expected: 'file-host:1' },
    { name: 'ORCHESTRATOR_URL beats the file', argv: ['--config', addrFile], env: { ORCHESTRATOR_URL: 'url-host:2' }, expected: 'url-host:2' },
    {
      name: 'WORKER_ORCHESTRATOR_ADDR beats ORCHESTRATOR_URL',
      argv: ['--config', addrFile],
      env: { ORCHESTRATOR_URL: 'url-host:2', WORKER_ORCHESTRATOR_ADDR: 'env-host:3' },
      expected: 'env-host:3',
    },
    {
      name: 'the flag beats both',
      argv: ['--config', addrFile, '--orchestrator-addr', 'unix:/flag.sock'],
      env: { ORCHESTRATOR_URL: 'url-host:2', WORKER_ORCHESTRATOR_ADDR: 'env-host:3' },
      expected: 'unix:/flag.sock',
    },
    { name: 'ORCHESTRATOR_URL alone', argv: [], env: { ORCHESTRATOR_URL: '127.0.0.1:7070' }, expected: '127.0.0.1:7070' },
  ];
  for (const { name, argv, env, expected } of addrCases) {
    it(`orchestrator address: ${name}`, () => {
      const insecure = expected.startsWith('unix:') ? {} : { WORKER_INSECURE: 'true' }; // TCP needs TLS or --insecure
      assert.equal(load({ argv, env: { ...env, ...insecure } }).orchestratorAddr, expected);
    });
  }

  it('reads every option from its WORKER_ variable', () => {
    const config = load({
      env: {
        WORKER_ORCHESTRATOR_ADDR: 'orch:7070',
        WORKER_INSECURE: 'true',
        WORKER_NAME: 'w1',
        WORKER_GROUP: 'gpu',
        WORKER_LABEL: 'zone=eu-1,disk=ssd',
        WORKER_TASK_RECORDS: 'on',
        WORKER_TASK_RECORD_RETENTION: '2h',
        WORKER_DIAL_TIMEOUT: '1s',
        WORKER_RPC_TIMEOUT: '2s',
        WORKER_MAX_RECV_MSG_SIZE: '1MiB',
        WORKER_MAX_SEND_MSG_SIZE: '2048',
        WORKER_RECONNECT_INTERVAL: '250ms',
        WORKER_RECONNECT_MAX_ATTEMPTS: '3',
        WORKER_HEARTBEAT_INTERVAL: '1m',
        WORKER_MAX_CONCURRENT_TASKS: '8',
        WORKER_LOG_LEVEL: 'debug',
        WORKER_LOG_FORMAT: 'json',
        WORKER_LOG_OUTPUT: 'stderr',
        WORKER_DOCKER_SOCKET: '/d.sock',
        WORKER_OUTPUT_CAP: '1024',
        WORKER_CANCEL_GRACE: '0s',
        WORKER_RECONNECT_MAX_INTERVAL: '2s',
        WORKER_SHUTDOWN_TIMEOUT: '5s',
        WORKER_WORK_DIR: '/var/lib/w1',
        WORKER_RESULT_MEMORY: '1m',
        WORKER_MIN_FREE_DISK: '0',
        WORKER_MAX_UNACKED_RESULTS: '20',
        WORKER_MAX_UNACKED_BYTES: '8MiB',
        WORKER_UNACKED_RESULT_TTL: '10m',
        WORKER_REAP_INTERVAL: '10s',
        WORKER_REAP_MARGIN: '1s',
        WORKER_ENGINE_CHECK_INTERVAL: '3s',
        WORKER_TOOLS_IMAGE: 'registry.example/tools:9',
        WORKER_SEARCH_URL_TEMPLATE: 'https://search.example/?q={query}',
        WORKER_MAX_FETCH_BYTES: '1m',
        WORKER_WEB_NETWORK: 'web',
      },
    });
    assert.deepEqual(config, {
      orchestratorAddr: 'orch:7070',
      insecure: true,
      group: 'gpu',
      labels: { zone: 'eu-1', disk: 'ssd' },
      taskRecords: { enabled: true, retentionMs: 7_200_000 },
      name: 'w1',
      dialTimeoutMs: 1_000,
      rpcTimeoutMs: 2_000,
      maxRecvMsgSize: 1_048_576,
      maxSendMsgSize: 2_048,
      reconnectIntervalMs: 250,
      reconnectMaxAttempts: 3,
      heartbeatIntervalMs: 60_000,
      maxConcurrentTasks: 8,
      log: { level: 'debug', format: 'json', output: 'stderr' },
      dockerSocket: '/d.sock',
      outputCapBytes: 1_024,
      cancelGraceMs: 0,
      reconnectMaxIntervalMs: 2_000,
      shutdownTimeoutMs: 5_000,
      workDir: '/var/lib/w1',
      mountRoots: [],
      neverMount: [],
      mountPinDir: '/var/lib/w1/pins',
      tlsFiles: [],
      policyFile: '',
      auditLog: '/var/lib/w1/audit.log',
      resultMemoryBytes: 1_048_576,
      minFreeDiskBytes: 0,
      unackedResults: { maxCount: 20, maxBytes: 8_388_608, ttlMs: 600_000 },
      reapIntervalMs: 10_000,
      reapMarginMs: 1_000,
      engineCheckIntervalMs: 3_000,
      warmPool: { enabled: false, perKey: 1, max: 4, idleMs: 60_000 },
      tools: {
        image: 'registry.example/tools:9',
        searchUrlTemplate: 'https://search.example/?q={query}',
        maxFetchBytes: 1_048_576,
        maxWriteBytes: 33_554_432,
        webNetwork: 'web',
        overrides: {},
        custom: [],
      },
    } satisfies WorkerConfig);
  });

  it('accepts --flag value and --flag=value alike', () => {
    const spaced = load({ argv: ['--max-concurrent-tasks', '7', '--name', 'a b'] });
    const joined = load({ argv: ['--max-concurrent-tasks=7', '--name=a b'] });
    assert.equal(spaced.maxConcurrentTasks, 7);
    assert.equal(spaced.name, 'a b');
    assert.deepEqual(joined, spaced);
  });
});

describe('parseWorkerArgs: config files', () => {
  const fullYaml = [
    'orchestratorAddr: 10.1.2.3:7070',
    'insecure: true',
    'name: yaml-worker',
    'dialTimeout: 3s',
    'rpcTimeout: 4s',
    'maxRecvMsgSize: 64MiB',
    'maxSendMsgSize: 1048576',
    'reconnectInterval: 1s',
    'reconnectMaxAttempts: 10',
    'heartbeatInterval: 15s',
    'maxConcurrentTasks: 2',
    'log:',
    '  level: debug',
    '  format: json',
    '  output: /var/log/baaaht.log',
    'dockerSocket: /run/docker.sock',
    'outputCap: 1MiB',
    'cancelGrace: 500ms',
    'reconnectMaxInterval: 90s',
    'shutdownTimeout: 1m',
    'workDir: /srv/baaaht',
    'resultMemory: 2MiB',
    'maxUnackedResults: 50',
    'maxUnackedBytes: 1GiB',
    'unackedResultTtl: 2h',
    'group: batch',
    'labels:',
    '  zone: eu-2',
    '  gpus: 2',
    'taskRecords: on',
    'reapInterval: 30s',
    'reapMargin: 5s',
    'engineCheckInterval: 2s',
    'tools:',
    '  image: tools:dev',
    '  searchUrlTemplate: "https://s.example/?q={query}"',
    '  maxFetchBytes: 2m',
    '  webNetwork: webnet',
    '  overrides:',
    '    file_read:',
    '      memory: 64MiB',
    '      cpus: 0.25',
    '      pids: 32',
    '      timeout: 45s',
    '    web_fetch:',
    '      image: other:1',
    '      runtime: runsc',
    '      network: egress',
    '      memory: 128m',
  ].join('\n');
  const expected: WorkerConfig = {
    orchestratorAddr: '10.1.2.3:7070',
    insecure: true,
    name: 'yaml-worker',
    group: 'batch',
    labels: { zone: 'eu-2', gpus: '2' },
    taskRecords: { enabled: true, retentionMs: 86_400_000 },
    dialTimeoutMs: 3_000,
    rpcTimeoutMs: 4_000,
    maxRecvMsgSize: 67_108_864,
    maxSendMsgSize: 1_048_576,
    reconnectIntervalMs: 1_000,
    reconnectMaxAttempts: 10,
    heartbeatIntervalMs: 15_000,
    maxConcurrentTasks: 2,
    log: { level: 'debug', format: 'json', output: '/var/log/baaaht.log' },
    dockerSocket: '/run/docker.sock',
    outputCapBytes: 1_048_576,
    cancelGraceMs: 500,
    reconnectMaxIntervalMs: 90_000,
    shutdownTimeoutMs: 60_000,
    workDir: '/srv/baaaht',
    mountRoots: [],
    neverMount: [],
    mountPinDir: '/srv/baaaht/pins',
    tlsFiles: [],
    policyFile: '',
    auditLog: '/srv/baaaht/audit.log',
    resultMemoryBytes: 2_097_152,
    minFreeDiskBytes: 67_108_864,
    unackedResults: { maxCount: 50, maxBytes: 1_073_741_824, ttlMs: 7_200_000 },
    reapIntervalMs: 30_000,
    reapMarginMs: 5_000,
    engineCheckIntervalMs: 2_000,
    warmPool: { enabled: false, perKey: 1, max: 4, idleMs: 60_000 },
    tools: {
      image: 'tools:dev',
      searchUrlTemplate: 'https://s.example/?q={query}',
      maxFetchBytes: 2_097_152,
      maxWriteBytes: 33_554_432,
      webNetwork: 'webnet',
      overrides: {
        file_read: { limits: { memoryBytes: 67_108_864, cpus: 0.25, pids: 32 }, timeoutMs: 45_000 },
        web_fetch: { image: 'other:1', runtime: 'runsc', network: 'egress', limits: { memoryBytes: 134_217_728 } },
      },
      custom: [],
    },
  };

  it('reads every option from a YAML file, overrides compiled to numbers', () => {
    const yamlFile = writeFile('full.yaml', fullYaml);
    assert.deepEqual(load({ argv: ['--config', yamlFile] }), { ...expected, configFile: yamlFile });
  });

  it('reads the same from a JSON file', () => {
    const json = JSON.stringify({
      orchestratorAddr: '10.1.2.3:7070',
      insecure: true,
      name: 'yaml-worker',
      group: 'batch',
      labels: { zone: 'eu-2', gpus: 2 },
      taskRecords: true,
      dialTimeout: '3s',
      rpcTimeout: '4s',
      maxRecvMsgSize: '64MiB',
      maxSendMsgSize: 1048576,
      reconnectInterval: '1s',
      reconnectMaxAttempts: 10,
      heartbeatInterval: '15s',
      maxConcurrentTasks: 2,
      log: { level: 'debug', format: 'json', output: '/var/log/baaaht.log' },
      dockerSocket: '/run/docker.sock',
      outputCap: '1MiB',
      cancelGrace: '500ms',
      reconnectMaxInterval: '90s',
      shutdownTimeout: '1m',
      workDir: '/srv/baaaht',
      resultMemory: '2MiB',
      maxUnackedResults: 50,
      maxUnackedBytes: '1GiB',
      unackedResultTtl: '2h',
      reapInterval: '30s',
      reapMargin: '5s',
      engineCheckInterval: '2s',
      tools: {
        image: 'tools:dev',
        searchUrlTemplate: 'https://s.example/?q={query}',
        maxFetchBytes: '2m',
        webNetwork: 'webnet',
        overrides: {
          file_read: { memory: '64MiB', cpus: 0.25, pids: 32, timeout: '45s' },
          web_fetch: { image: 'other:1', runtime: 'runsc', network: 'egress', memory: '128m' },
        },
      },
    });
    const jsonFile = writeFile('full.json', json);
    assert.deepEqual(load({ argv: ['--config', jsonFile] }), { ...expected, configFile: jsonFile });
    // JSON content in a .yaml file is read too (YAML 1.2 includes JSON).
    const jsonContent = writeFile('json-content.yaml', json);
    assert.deepEqual(load({ argv: ['--config', jsonContent] }), { ...expected, configFile: jsonContent });
  });

  it('finds <home>/.config/baaaht/config.yaml when no file is named', () => {
    const home = emptyHome();
    mkdirSync(join(home, '.config', 'baaaht'), { recursive: true });
    writeFileSync(join(home, '.config', 'baaaht', 'config.yaml'), 'name: from-home\n');
    assert.equal(load({ homeDir: home }).name, 'from-home');
    const named = writeFile('named.yaml', 'name: from-named\n');
    assert.equal(load({ homeDir: home, env: { WORKER_CONFIG: named } }).name, 'from-named');
    const flagged = writeFile('flagged.yaml', 'name: from-flag\n');
    assert.equal(load({ homeDir: home, env: { WORKER_CONFIG: named }, argv: ['--config', flagged] }).name, 'from-flag');
  });

  it('treats empty files and empty values as unset', () => {
    assert.equal(load({ argv: ['--config', writeFile('empty.yaml', '')] }).name, 'worker-box');
    assert.equal(load({ argv: ['--config', writeFile('comments.yaml', '# nothing\n')] }).name, 'worker-box');
    const config = load({ argv: ['--config', writeFile('nulls.yaml', 'name:\nlog:\n  level: ~\n')] });
    assert.equal(config.name, 'worker-box');
    assert.equal(config.log.level, 'info');
  });
});

describe('config/worker.example.yaml', () => {
  const example = new URL('../../config/worker.example.yaml', import.meta.url);

  it('sets every option to its default', () => {
    assert.deepEqual(load({ argv: ['--config', example.pathname] }), { ...load(), configFile: example.pathname });
  });

  /** The example with `marker` replaced by the commented block under it, uncommented. */
  function uncommentAfter(marker: string): string {
    const text = readFileSync(example, 'utf8');
    const start = text.indexOf(marker);
    assert.ok(start >= 0, `${marker.trim()} in the example`);
    const end = text.indexOf('\n\n', start);
    const block = text.slice(start + marker.length, end === -1 ? undefined : end + 1);
    assert.ok(block.length > 0 && block.split('\n').every((line) => line === '' || line.startsWith('  # ')), 'a commented block');
    return text.slice(0, start) + block.replace(/^  # /gm, '  ') + (end === -1 ? '' : text.slice(end + 1));
  }

  it('its commented overrides example compiles', () => {
    const path = writeFile('example-overrides.yaml', uncommentAfter('  overrides: {}\n'));
    assert.deepEqual(load({ argv: ['--config', path] }).tools.overrides, {
      file_read: { limits: { memoryBytes: 67_108_864, cpus: 0.25, pids: 32 }, timeoutMs: 30_000 },
      web_search: { runtime: 'runsc', network: 'egress-only', timeoutMs: 60_000 },
    });
  });

  it('its commented custom tools example compiles and runs as documented', () => {
    const path = writeFile('example-custom.yaml', uncommentAfter('  custom: []\n'));
    const { tools } = load({ argv: ['--config', path] });
    assert.deepEqual(
      tools.custom?.map((tool) => tool.name),
      ['line_count', 'zeros', 'greet'],
    );
    const registry = createBuiltinToolRegistry(tools);
    const run = (type: string, values: Record<string, string>): readonly string[] =>
      registry.require(type).buildInvocation({ $case: 'custom', custom: { values } }).argv;
    assert.deepEqual(run('line_count', { file: 'src/main.ts' }), ['wc', '-l', '--', 'src/main.ts']);
    assert.throws(() => run('line_count', { file: '../etc/passwd' }), /does not match/);
    assert.throws(() => run('line_count', { file: '/etc/passwd' }), /does not match/);
    assert.deepEqual(run('zeros', { size: '32' }), ['sh', '-c', 'head -c "$1" /dev/zero | od -A d -t x1 -w"$2"', 'sh', '32', '16']);
    assert.deepEqual(run('greet', { shout: 'true' }), [
      'sh',
      '-c',
      'if [ "$2" = true ]; then echo "HELLO, ${1}!"; else echo "hello, $1"; fi',
      'sh',
      'world',
      'true',
    ]);
    const zeros = registry.require('zeros');
    assert.deepEqual(
      { image: zeros.image, network: zeros.network, mount: zeros.mount, runtime: zeros.runtime, limits: zeros.limits, timeoutMs: zeros.timeoutMs },
      { image: 'baaaht/tools:0.1.0', network: 'none', mount: 'none', runtime: 'runc', limits: { cpus: 0.1, memoryBytes: 67_108_864, pids: 10 }, timeoutMs: 30_000 },
    );
    assert.equal(registry.require('line_count').mount, 'read');
  });
});

describe('parseWorkerArgs: custom tools (tools.custom)', () => {
  const fixture = new URL('../../test/fixtures/fault-tools.yaml', import.meta.url).pathname;

  it('loads test/fixtures/fault-tools.yaml with --config', () => {
    const config = load({ argv: ['--config', fixture] });
    assert.deepEqual(
      config.tools.custom?.map((tool) => tool.name),
      ['memory_bomb', 'fork_bomb', 'sleeper', 'flood', 'exit_with'],
    );
    const registry = createBuiltinToolRegistry(config.tools);
    const spec = (type: string) => {
      const { buildInvocation: _, ...rest } = registry.require(type);
      return rest;
    };
    const run = (type: string, values: Record<string, string> = {}): readonly string[] =>
      registry.require(type).buildInvocation({ $case: 'custom', custom: { values } }).argv;
    for (const type of ['memory_bomb', 'fork_bomb', 'sleeper', 'flood', 'exit_with']) {
      assert.equal(spec(type).image, 'baaaht/tools:0.1.0');
      assert.equal(spec(type).network, 'none');
      assert.equal(spec(type).mount, 'none');
    }
    assert.deepEqual(spec('memory_bomb').limits, { cpus: 1, memoryBytes: 32 * 1024 * 1024, pids: 10 });
    assert.deepEqual(run('memory_bomb'), ['sh', '-c', 'head -c 1000000000 /dev/zero | tail -c 1000000000 > /dev/null']);
    assert.deepEqual({ pids: spec('fork_bomb').limits.pids, timeoutMs: spec('fork_bomb').timeoutMs }, { pids: 16, timeoutMs: 20_000 });
    assert.deepEqual(run('fork_bomb'), ['sh', '-c', 'for i in $(seq 1 200); do sleep 30 & done; wait']);
    assert.equal(spec('sleeper').timeoutMs, 60_000);
    assert.deepEqual(run('sleeper', { seconds: '5' }), ['sleep', '5']);
    assert.throws(() => run('sleeper'), /missing required parameter "seconds"/);
    assert.equal(spec('flood').limits.cpus, 1);
    assert.deepEqual(run('flood', { bytes: '1048576' }), ['sh', '-c', 'yes baaaht-output-flood | head -c "$1"', 'sh', '1048576']);
    assert.deepEqual(run('exit_with', { code: '3' }), ['sh', '-c', 'echo out; echo err >&2; exit "$1"', 'sh', '3']);
    assert.throws(() => run('exit_with', { code: '256' }), /more than the maximum of 255/);
  });

  it('takes an empty list, or no value, as no tools', () => {
    assert.deepEqual(load({ argv: ['--config', writeFile('custom-empty.yaml', 'tools:\n  custom: []\n')] }).tools.custom, []);
    assert.deepEqual(load({ argv: ['--config', writeFile('custom-null.yaml', 'tools:\n  custom:\n')] }).tools.custom, []);
  });

  const fileCases: { name: string; content: string; option: string; message: RegExp }[] = [
    { name: 'not a list', content: 'tools:\n  custom: { sleeper: {} }\n', option: 'tools.custom', message: /^invalid value for tools\.custom \(in .*\): \{"sleeper":\{\}\} is not a list of tool definitions$/ },
    { name: 'a string', content: 'tools:\n  custom: sleeper\n', option: 'tools.custom', message: /"sleeper" is not a list of tool definitions/ },
    {
      name: 'shell script placeholder',
      content: 'tools:\n  custom:\n    - name: zeros\n      command: [sh, -c, "head -c {size} /dev/zero"]\n      params:\n        size: { type: integer, required: true }\n',
      option: 'tools.custom[0].command[2]',
      message: /^invalid value for tools\.custom\[0\]\.command\[2\] \(in .*custom-shell.*\.yaml\): tool "zeros": \{size\} is inside a longer argument/,
    },
    {
      name: 'shell script placeholder with interpolate',
      content: 'tools:\n  custom:\n    - name: zeros\n      interpolate: true\n      command: [sh, -c, "head -c {size} /dev/zero"]\n      params:\n        size: { type: integer, required: true }\n',
      option: 'tools.custom[0].command[2]',
      message: /^invalid value for tools\.custom\[0\]\.command\[2\] \(in .*custom-shell.*\.yaml\): tool "zeros":.*shell/,
    },
    {
      name: 'unknown key',
      content: 'tools:\n  custom:\n    - { name: a, command: [x] }\n    - { name: b, command: [x], memroy: 1g }\n',
      option: 'tools.custom[1].memroy',
      message: /^invalid value for tools\.custom\[1\]\.memroy \(in .*\): unknown key/,
    },
    {
      name: 'built-in name',
      content: 'tools:\n  custom:\n    - { name: file_read, command: [cat] }\n',
      option: 'tools.custom[0].name',
      message: /"file_read" is a built-in tool/,
    },
    {
      name: 'bad parameter default',
      content: 'tools:\n  custom:\n    - { name: a, command: [x, "{v}"], params: { v: { type: string, default: "-rf" } } }\n',
      option: 'tools.custom[0].params.v.default',
      message: /"-rf" must not start with "-"/,
    },
  ];
  for (const { name, content, option, message } of fileCases) {
    it(`config file: ${name} → ${option}`, () => {
      const error = loadError({ argv: ['--config', writeFile(`custom-${name.replaceAll(' ', '-')}.yaml`, content)] });
      assert.match(error.message, message);
      assert.equal(error.option, option);
    });
  }
});

describe('parseWorkerArgs: errors name the option', () => {
  const invalid: { argv?: string[]; env?: Record<string, string>; option: string; message: RegExp }[] = [
    {
      argv: ['--heartbeat-interval', 'abc'],
      option: '--heartbeat-interval',
      message: /^invalid value for --heartbeat-interval: "abc" is not a duration \(e\.g\. 30s, 5m\)$/,
    },
    { argv: ['--dial-timeout', '30'], option: '--dial-timeout', message: /"30" is not a duration/ },
    { argv: ['--rpc-timeout', '0s'], option: '--rpc-timeout', message: /--rpc-timeout: "0s" must be more than zero/ },
    { argv: ['--reconnect-interval=-5s'], option: '--reconnect-interval', message: /--reconnect-interval: "-5s" must be more than zero/ },
    { argv: ['--cancel-grace=-1s'], option: '--cancel-grace', message: /--cancel-grace: "-1s" is negative/ },
    { argv: ['--heartbeat-interval', '30d'], option: '--heartbeat-interval', message: /too long/ },
    { argv: ['--log-level', 'verbose'], option: '--log-level', message: /--log-level: "verbose" is not one of error, warn, info, debug/ },
    { argv: ['--log-format', 'xml'], option: '--log-format', message: /--log-format: "xml" is not one of text, json/ },
    { argv: ['--log-output='], option: '--log-output', message: /--log-output: the value is empty/ },
    { argv: ['--orchestrator-addr', 'http://x:1'], option: '--orchestrator-addr', message: /--orchestrator-addr: "http:\/\/x:1" is not an address/ },
    { argv: ['--orchestrator-addr', 'localhost'], option: '--orchestrator-addr', message: /port is missing/ },
    { argv: ['--orchestrator-addr', 'host:99999'], option: '--orchestrator-addr', message: /port must be a number/ },
    { argv: ['--orchestrator-addr', 'unix:relative.sock'], option: '--orchestrator-addr', message: /must be absolute/ },
    { argv: ['--max-recv-msg-size', 'big'], option: '--max-recv-msg-size', message: /"big" is not a size in bytes/ },
    { argv: ['--max-send-msg-size', '3GiB'], option: '--max-send-msg-size', message: /more than the maximum/ },
    { argv: ['--output-cap', '12abc'], option: '--output-cap', message: /--output-cap: "12abc" is not a size/ },
    { argv: ['--output-cap', '0'], option: '--output-cap', message: /less than the minimum/ },
    { argv: ['--max-fetch-bytes', '1.5.5k'], option: '--max-fetch-bytes', message: /is not a size/ },
    { argv: ['--max-concurrent-tasks', '0'], option: '--max-concurrent-tasks', message: /"0" is less than the minimum of 1/ },
    { argv: ['--max-concurrent-tasks', '2.5'], option: '--max-concurrent-tasks', message: /"2.5" is not a whole number/ },
    { argv: ['--reconnect-max-attempts=-1'], option: '--reconnect-max-attempts', message: /less than the minimum of 0/ },
    { argv: ['--max-unacked-results', '0'], option: '--max-unacked-results', message: /"0" is less than the minimum of 1/ },
    { argv: ['--max-unacked-bytes', '0'], option: '--max-unacked-bytes', message: /less than the minimum/ },
    { argv: ['--max-unacked-bytes', 'lots'], option: '--max-unacked-bytes', message: /"lots" is not a size/ },
    { argv: ['--unacked-result-ttl', '0s'], option: '--unacked-result-ttl', message: /"0s" must be more than zero/ },
    { argv: ['--docker-socket', 'tcp://1.2.3.4:2375'], option: '--docker-socket', message: /is not a Unix socket path/ },
    { argv: ['--search-url-template', 'https://s.example/?q='], option: '--search-url-template', message: /does not contain \{query\}/ },
    { argv: ['--search-url-template', 'ftp://s/{query}'], option: '--search-url-template', message: /not an http or https URL/ },
    { argv: ['--web-network', 'bad net'], option: '--web-network', message: /not a Docker network name/ },
    { argv: ['--tools-image', ''], option: '--tools-image', message: /--tools-image: the value is empty/ },
    { argv: ['--bogus', 'x'], option: '--bogus', message: /^unknown option --bogus/ },
    { argv: ['--name'], option: '--name', message: /^missing value for --name/ },
    { argv: ['--name', '--log-level', 'info'], option: '--name', message: /^missing value for --name/ },
    {
      env: { WORKER_MAX_CONCURRENT_TASKS: '4x' },
      option: '--max-concurrent-tasks',
      message: /^invalid value for --max-concurrent-tasks \(from WORKER_MAX_CONCURRENT_TASKS\): "4x" is not a whole number$/,
    },
    { env: { ORCHESTRATOR_URL: 'http://orch' }, option: '--orchestrator-addr', message: /\(from ORCHESTRATOR_URL\)/ },
  ];
  for (const { argv, env, option, message } of invalid) {
    it(`${JSON.stringify(argv ?? env)} → ${option}`, () => {
      const error = loadError({ argv: argv ?? [], env: env ?? {} });
      assert.match(error.message, message);
      assert.equal(error.option, option);
    });
  }

  it('rejects positional arguments', () => {
    assert.match(loadError({ argv: ['run'] }).message, /^unexpected argument "run"/);
  });

  it('reports every bad value, first option first', () => {
    const error = loadError({ argv: ['--log-level=loud', '--dial-timeout=soon'] });
    assert.equal(error.option, '--dial-timeout');
    assert.deepEqual(
      error.message.split('\n').map((line) => line.replace(/:.*/, '')),
      ['invalid value for --dial-timeout', 'invalid value for --log-level'],
    );
  });

  const fileCases: { name: string; content: string; message: RegExp; option: string }[] = [
    {
      name: 'bad value',
      content: 'heartbeatInterval: soon\n',
      option: '--heartbeat-interval',
      message: /^invalid value for --heartbeat-interval \(from heartbeatInterval in .*bad-value\.yaml\): "soon" is not a duration/,
    },
    { name: 'unknown key', content: 'logLevel: debug\n', option: 'logLevel', message: /unknown key "logLevel" in .* \(did you mean "log\.level"\?\)/ },
    { name: 'unknown nested key', content: 'log:\n  colour: red\n', option: 'log.colour', message: /unknown key "log\.colour"/ },
    { name: 'group not a mapping', content: 'log: debug\n', option: 'log', message: /"log" in .* must be a mapping with keys level, format, output/ },
    { name: 'structured value for a plain option', content: 'dialTimeout:\n  seconds: 3\n', option: '--dial-timeout', message: /\{"seconds":3\} is not a duration/ },
    { name: 'number without a unit', content: 'dialTimeout: 30\n', option: '--dial-timeout', message: /30 is not a duration/ },
    { name: 'boolean for a number', content: 'maxConcurrentTasks: true\n', option: '--max-concurrent-tasks', message: /true is not a whole number/ },
    { name: 'unparsable YAML', content: 'name: [oops\n', option: '--config', message: /^cannot parse config file .*unparsable-YAML\.yaml: / },
    { name: 'not a mapping', content: '- a\n- b\n', option: '--config', message: /must contain a mapping/ },
    { name: 'two documents', content: 'name: a\n---\nname: b\n', option: '--config', message: /holds 2 YAML documents/ },
    { name: 'duplicate keys', content: 'name: a\nname: b\n', option: '--config', message: /duplicated mapping key/ },
    {
      name: 'bad override memory',
      content: 'tools:\n  overrides:\n    file_read:\n      memory: lots\n',
      option: 'tools.overrides.file_read.memory',
      message: /^invalid value for tools\.overrides\.file_read\.memory \(in .*\): "lots" is not a size/,
    },
    {
      name: 'override memory below the Docker minimum',
      content: 'tools:\n  overrides:\n    file_read:\n      memory: 1m\n',
      option: 'tools.overrides.file_read.memory',
      message: /less than the minimum of 6291456 bytes/,
    },
    {
      name: 'unknown override setting',
      content: 'tools:\n  overrides:\n    file_read:\n      memroy: 64m\n',
      option: 'tools.overrides.file_read.memroy',
      message: /unknown setting/,
    },
    {
      name: 'bad override timeout',
      content: 'tools:\n  overrides:\n    grep:\n      timeout: 0s\n',
      option: 'tools.overrides.grep.timeout',
      message: /"0s" must be more than zero/,
    },
    {
      name: 'bad tool type',
      content: 'tools:\n  overrides:\n    File Read:\n      pids: 3\n',
      option: 'tools.overrides.File Read',
      message: /is not a tool type/,
    },
    { name: 'overrides not a mapping', content: 'tools:\n  overrides: [a]\n', option: 'tools.overrides', message: /invalid value for tools\.overrides/ },
  ];
  for (const { name, content, message, option } of fileCases) {
    it(`config file: ${name}`, () => {
      const path = writeFile(`${name.replaceAll(' ', '-')}.yaml`, content);
      const error = loadError({ argv: ['--config', path] });
      assert.match(error.message, message);
      assert.equal(error.option, option);
    });
  }

  it('config file: unparsable JSON', () => {
    const error = loadError({ argv: ['--config', writeFile('bad.json', '{"name": ')] });
    assert.match(error.message, /^cannot parse config file .*bad\.json: /);
  });

  it('config file: missing file named by --config or WORKER_CONFIG', () => {
    const missing = join(scratch, 'missing.yaml');
    assert.match(loadError({ argv: ['--config', missing] }).message, /^cannot read config file .*missing\.yaml: .*ENOENT/);
    assert.match(loadError({ env: { WORKER_CONFIG: missing } }).message, /^cannot read config file .*missing\.yaml/);
  });

  it('config file: a flag still overrides a bad file value', () => {
    const path = writeFile('overridden.yaml', 'heartbeatInterval: soon\n');
    assert.equal(load({ argv: ['--config', path, '--heartbeat-interval', '1s'] }).heartbeatIntervalMs, 1_000);
    const structured = writeFile('structured.yaml', 'dialTimeout:\n  seconds: 3\n');
    assert.equal(load({ argv: ['--config', structured], env: { WORKER_DIAL_TIMEOUT: '2s' } }).dialTimeoutMs, 2_000);
  });
});

describe('parseWorkerArgs: help', () => {
  for (const argv of [['--help'], ['-h'], ['--name', 'x', '-h'], ['--bogus', '--help'], ['--heartbeat-interval', 'abc', '--help']]) {
    it(`${argv.join(' ')} asks for help`, () => {
      const parsed = parseWorkerArgs(input({ argv }));
      assert.equal(parsed.kind, 'help');
      assert.equal(parsed.kind === 'help' ? parsed.text : '', workerHelpText());
    });
  }

  it('a -h after -- is no help request', () => {
    assert.match(loadError({ argv: ['--', '-h'] }).message, /unexpected argument "-h"/);
  });

  it('returns the config otherwise', () => {
    const parsed = parseWorkerArgs(input({ argv: ['--name', 'n'] }));
    assert.equal(parsed.kind === 'config' ? parsed.config.name : undefined, 'n');
  });

  it('loadWorkerConfig refuses --help', () => {
    assert.equal(loadError({ argv: ['--help'] }).option, '--help');
  });

  it('lists every flag with its default and environment variable', () => {
    const text = workerHelpText();
    const flags: [string, string, string][] = [
      ['orchestrator-addr', 'unix:///tmp/baaaht-grpc.sock', 'WORKER_ORCHESTRATOR_ADDR, ORCHESTRATOR_URL'],
      ['name', 'worker-<hostname>', 'WORKER_NAME'],
      ['dial-timeout', '30s', 'WORKER_DIAL_TIMEOUT'],
      ['rpc-timeout', '10s', 'WORKER_RPC_TIMEOUT'],
      ['max-recv-msg-size', '104857600', 'WORKER_MAX_RECV_MSG_SIZE'],
      ['max-send-msg-size', '104857600', 'WORKER_MAX_SEND_MSG_SIZE'],
      ['reconnect-interval', '5s', 'WORKER_RECONNECT_INTERVAL'],
      ['reconnect-max-attempts', '0', 'WORKER_RECONNECT_MAX_ATTEMPTS'],
      ['heartbeat-interval', '30s', 'WORKER_HEARTBEAT_INTERVAL'],
      ['max-concurrent-tasks', '4', 'WORKER_MAX_CONCURRENT_TASKS'],
      ['log-level', 'info', 'WORKER_LOG_LEVEL'],
      ['log-format', 'text', 'WORKER_LOG_FORMAT'],
      ['log-output', 'stdout', 'WORKER_LOG_OUTPUT'],
      ['docker-socket', 'DOCKER_HOST if it is a unix:// address, else /var/run/docker.sock', 'WORKER_DOCKER_SOCKET'],
      ['output-cap', '10MiB', 'WORKER_OUTPUT_CAP'],
      ['cancel-grace', '2s', 'WORKER_CANCEL_GRACE'],
      ['tools-image', `baaaht/tools:${packageVersion}`, 'WORKER_TOOLS_IMAGE'],
      ['search-url-template', 'https://html.duckduckgo.com/html/?q={query}', 'WORKER_SEARCH_URL_TEMPLATE'],
      ['max-fetch-bytes', '5MiB', 'WORKER_MAX_FETCH_BYTES'],
      ['web-network', 'baaaht-egress', 'WORKER_WEB_NETWORK'],
    ];
    for (const [flag, defaultText, env] of flags) {
      const block = text.slice(text.indexOf(`  --${flag} `));
      assert.ok(text.includes(`  --${flag} <`), `--${flag} listed`);
      assert.ok(block.includes(`default: ${defaultText}; env: ${env};`), `--${flag} default and env`);
    }
    assert.match(text, /--config <file>/);
    assert.match(text, /WORKER_CONFIG/);
    assert.match(text, /-h, --help/);
    assert.match(text, /tools\.overrides/);
    assert.match(text, /Config file only: tools\.custom\n/);
  });
});

describe('parseWorkerArgs: TLS to a TCP orchestrator', () => {
  const certs = makeTestCertificates();
  after(() => certs.remove());
  const tcp = ['--orchestrator-addr', '10.0.0.5:7070'];

  it('reads --ca-cert, --cert, --key once into the config, with --tls-server-name', () => {
    const config = load({ argv: [...tcp, '--ca-cert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey, '--tls-server-name', 'orch.internal'] });
    assert.deepEqual(config.tls, {
      caCert: readFileSync(certs.caCert),
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
      serverName: 'orch.internal',
    });
    assert.equal(config.insecure, undefined);
  });

  it('takes them from WORKER_* and the file (tls.caCert, insecure)', () => {
    assert.deepEqual(load({ argv: tcp, env: { WORKER_CA_CERT: certs.caCert } }).tls, { caCert: readFileSync(certs.caCert) });
    assert.equal(load({ argv: tcp, env: { WORKER_INSECURE: '1' } }).insecure, true);
    assert.deepEqual(load({ argv: ['--config', writeFile('tls.yaml', `orchestratorAddr: h:1\ntls:\n  caCert: ${certs.caCert}\n`)] }).tls, {
      caCert: readFileSync(certs.caCert),
    });
    const plain = load({ argv: [...tcp, '--insecure'] });
    assert.equal(plain.insecure, true);
    assert.equal(plain.tls, undefined);
    assert.equal(load().tls, undefined);
  });

  const invalid: { argv?: string[]; env?: Record<string, string>; option: string; message: RegExp }[] = [
    { argv: tcp, option: '--orchestrator-addr', message: /10\.0\.0\.5:7070 is a TCP address.*--ca-cert FILE.*--insecure/ },
    { argv: ['--ca-cert', certs.caCert], option: '--ca-cert', message: /--ca-cert applies to TCP addresses only/ },
    { argv: ['--insecure'], option: '--insecure', message: /--insecure applies to TCP addresses only/ },
    { argv: [...tcp, '--insecure', '--ca-cert', certs.caCert], option: '--insecure', message: /--insecure contradicts --ca-cert/ },
    { argv: [...tcp, '--cert', certs.clientCert], option: '--key', message: /--cert needs --key/ },
    { argv: [...tcp, '--key', certs.clientKey], option: '--cert', message: /--key needs --cert/ },
    { argv: [...tcp, '--ca-cert', '/nonexistent/ca.pem'], option: '--ca-cert', message: /--ca-cert: \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/ },
    { argv: [...tcp, '--ca-cert', certs.clientKey], option: '--ca-cert', message: /is not a PEM certificate file/ },
    { argv: [...tcp, '--cert', certs.clientCert, '--key', certs.caCert], option: '--key', message: /is not a PEM private key file/ },
    { argv: [...tcp, '--cert', certs.clientCert, '--key', certs.serverKey], option: '--key', message: /not the private key of the certificate in --cert/ },
    { argv: [...tcp, '--insecure=yes'], option: '--insecure', message: /invalid use of --insecure/ },
    { argv: tcp, env: { WORKER_INSECURE: 'maybe' }, option: '--insecure', message: /\(from WORKER_INSECURE\): "maybe" is not a boolean/ },
  ];
  for (const { argv, env, option, message } of invalid) {
    it(`${JSON.stringify(argv ?? env)} → ${option}`, () => {
      const error = loadError({ argv: argv ?? [], env: env ?? {} });
      assert.match(error.message, message);
      assert.equal(error.option, option);
    });
  }
});

describe('parseWorkerArgs: warm pool', () => {
  it('is off by default, with 1 per key, 4 in all, 60 s idle', () => {
    assert.deepEqual(load().warmPool, { enabled: false, perKey: 1, max: 4, idleMs: 60_000 });
  });

  it('takes flags, WORKER_* variables and file keys', () => {
    assert.deepEqual(load({ argv: ['--warm-pool', 'on', '--warm-per-key', '2', '--warm-max', '8', '--warm-idle', '5m'] }).warmPool, {
      enabled: true,
      perKey: 2,
      max: 8,
      idleMs: 300_000,
    });
    assert.deepEqual(load({ env: { WORKER_WARM_POOL: 'true', WORKER_WARM_IDLE: '10s' } }).warmPool, { enabled: true, perKey: 1, max: 4, idleMs: 10_000 });
    const file = writeFile('warm.yaml', 'warmPool: true\nwarmPerKey: 0\nwarmMax: 2\nwarmIdle: 30s\n');
    assert.deepEqual(load({ argv: ['--config', file] }).warmPool, { enabled: true, perKey: 0, max: 2, idleMs: 30_000 });
    assert.equal(load({ argv: ['--config', file, '--warm-pool', 'off'] }).warmPool.enabled, false, 'a flag turns it off again');
  });

  const bad: Array<{ argv: string[]; option: string; message: RegExp }> = [
    { argv: ['--warm-pool', 'maybe'], option: '--warm-pool', message: /"maybe" is not a boolean/ },
    { argv: ['--warm-per-key', '17'], option: '--warm-per-key', message: /invalid value for --warm-per-key/ },
    { argv: ['--warm-max=-1'], option: '--warm-max', message: /invalid value for --warm-max/ },
    { argv: ['--warm-idle', '60'], option: '--warm-idle', message: /invalid value for --warm-idle/ },
  ];
  for (const { argv, option, message } of bad) {
    it(`refuses ${argv.join(' ')}`, () => {
      const error = loadError({ argv });
      assert.equal(error.option, option);
      assert.match(error.message, message);
    });
  }
});

describe('parseWorkerArgs: metrics address', () => {
  it('is off by default', () => {
    assert.equal(load().metricsAddr, undefined);
    assert.equal(load({ argv: ['--metrics-addr', ''] }).metricsAddr, undefined);
  });

  it('takes a flag, WORKER_METRICS_ADDR and the file key', () => {
    assert.equal(load({ argv: ['--metrics-addr', '127.0.0.1:9464'] }).metricsAddr, '127.0.0.1:9464');
    assert.equal(load({ argv: ['--metrics-addr=[::1]:0'] }).metricsAddr, '[::1]:0');
    assert.equal(load({ env: { WORKER_METRICS_ADDR: 'localhost:9000' } }).metricsAddr, 'localhost:9000');
    const file = writeFile('metrics.yaml', 'metricsAddr: 0.0.0.0:9464\n');
    assert.equal(load({ argv: ['--config', file] }).metricsAddr, '0.0.0.0:9464');
  });

  const bad: Array<{ argv: string[]; message: RegExp }> = [
    { argv: ['--metrics-addr', '9464'], message: /^invalid value for --metrics-addr: "9464" is not an address.*port is missing/ },
    { argv: ['--metrics-addr', 'localhost:99999'], message: /--metrics-addr: .*port must be a number from 0 to 65535/ },
    { argv: ['--metrics-addr', 'http://localhost:9464'], message: /--metrics-addr: .*only unix:\/\/ addresses take a scheme/ },
    { argv: ['--metrics-addr', 'unix:///tmp/m.sock'], message: /--metrics-addr: "unix:\/\/\/tmp\/m.sock" is not a host:port address/ },
  ];
  for (const { argv, message } of bad) {
    it(`refuses ${argv.join(' ')}`, () => {
      const error = loadError({ argv });
      assert.equal(error.option, '--metrics-addr');
      assert.match(error.message, message);
    });
  }
});

describe('parseWorkerArgs: --min-free-disk (#13)', () => {
  it('is 64 MiB by default; takes a flag, WORKER_MIN_FREE_DISK and the file key; 0 turns it off', () => {
    assert.equal(load().minFreeDiskBytes, 64 * 1024 * 1024);
    assert.equal(load({ argv: ['--min-free-disk', '1GiB'] }).minFreeDiskBytes, 1024 * 1024 * 1024);
    assert.equal(load({ argv: ['--min-free-disk=0'] }).minFreeDiskBytes, 0);
    assert.equal(load({ env: { WORKER_MIN_FREE_DISK: '500MiB' } }).minFreeDiskBytes, 500 * 1024 * 1024);
    const file = writeFile('disk.yaml', 'minFreeDisk: 2MiB\n');
    assert.equal(load({ argv: ['--config', file] }).minFreeDiskBytes, 2 * 1024 * 1024);
  });

  it('refuses what is not a byte size, naming the option', () => {
    for (const value of ['-1', 'lots', '1.5.MiB']) {
      const error = loadError({ argv: ['--min-free-disk', value] });
      assert.equal(error.option, '--min-free-disk');
    }
  });
});

describe('parseWorkerArgs: --trust-socket-owner (#11)', () => {
  it('takes uids and user names, repeated or comma-separated, from flags, WORKER_TRUST_SOCKET_OWNER and a file list', () => {
    assert.equal(load().trustSocketOwners, undefined);
    assert.deepEqual(load({ argv: ['--trust-socket-owner', '12345', '--trust-socket-owner', 'root,7'] }).trustSocketOwners, [12345, 0, 7]);
    assert.deepEqual(load({ env: { WORKER_TRUST_SOCKET_OWNER: '12345,12345' } }).trustSocketOwners, [12345]);
    const file = writeFile('trust.yaml', 'trustSocketOwners: [12345, root]\n');
    assert.deepEqual(load({ argv: ['--config', file] }).trustSocketOwners, [12345, 0]);
  });

  it('refuses what is neither a uid nor a known user, naming the option', () => {
    assert.throws(() => load({ argv: ['--trust-socket-owner', 'no-such-user-here'] }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.option, '--trust-socket-owner');
      assert.match(error.message, /no user "no-such-user-here" in \/etc\/passwd/);
      return true;
    });
    assert.throws(() => load({ argv: ['--trust-socket-owner', '1;2'] }), /--trust-socket-owner: "1;2" is neither a uid nor a user name/);
    assert.throws(() => load({ argv: ['--trust-socket-owner', '99999999999'] }), /is not a uid/);
  });
});
