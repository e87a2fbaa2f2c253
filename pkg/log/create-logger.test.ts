import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { closeLogger } from './close-logger.js';
import { createLogger } from './create-logger.js';
import type { LogLevel } from './log-options.js';

const scratch = mkdtempSync(join(tmpdir(), 'create-logger-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let count = 0;
function logFile(): string {
  return join(scratch, `${count++}.log`);
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('createLogger: text format', () => {
  it('writes one readable line per entry with key=value metadata', async () => {
    const path = logFile();
    const logger = createLogger({ level: 'debug', format: 'text', output: path });
    logger.info('task accepted', { taskId: 't-1', attempt: 2, ok: true, tool: 'file read', expr: 'a=b', nothing: undefined });
    logger.warn('odd', { nested: { a: [1, 2] }, empty: '', nil: null });
    logger.error('failed', { error: new Error('engine down') });
    logger.debug('two\nlines\u001b[31m');
    logger.child({ worker: 'w1' }).info('from child');
    await closeLogger(logger);

    const written = lines(path);
    assert.equal(written.length, 5);
    const [first, second, third, fourth, fifth] = written.map((line) => {
      const [timestamp = '', ...rest] = line.split(' ');
      assert.match(timestamp, TIMESTAMP);
      return rest.join(' ');
    });
    assert.equal(first, 'info  task accepted taskId=t-1 attempt=2 ok=true tool="file read" expr="a=b"');
    assert.equal(second, 'warn  odd nested={"a":[1,2]} empty="" nil=null');
    assert.equal(third, 'error failed error="engine down"');
    assert.equal(fourth, 'debug two\\nlines\\u001b[31m');
    assert.equal(fifth, 'info  from child worker=w1');
  });

  it('logs an Error given as the message with its stack on the same line', async () => {
    const path = logFile();
    const logger = createLogger({ level: 'info', format: 'text', output: path });
    logger.error(new Error('direct'));
    await closeLogger(logger);
    const [line] = lines(path);
    assert.match(line ?? '', /^\S+ error direct stack="Error: direct\\n {4}at /);
  });
});

describe('createLogger: json format', () => {
  it('writes one JSON object per line', async () => {
    const path = logFile();
    const logger = createLogger({ level: 'info', format: 'json', output: path });
    const cause = new Error('socket closed');
    const error = Object.assign(new Error('engine down', { cause }), { code: 'ENGINE_UNAVAILABLE' });
    logger.info('task accepted', { taskId: 't-1', bytes: 10n });
    logger.error('failed', { error });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    logger.warn('circular', { circular });
    await closeLogger(logger);

    const entries = lines(path).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(entries.length, 3);
    for (const entry of entries) assert.match(String(entry['timestamp']), TIMESTAMP);
    assert.deepEqual(
      entries.map(({ timestamp: _t, ...rest }) => rest),
      [
        { level: 'info', message: 'task accepted', taskId: 't-1', bytes: '10' },
        {
          level: 'error',
          message: 'failed',
          error: {
            name: 'Error',
            message: 'engine down',
            code: 'ENGINE_UNAVAILABLE',
            stack: error.stack,
            cause: { name: 'Error', message: 'socket closed', stack: cause.stack },
          },
        },
        { level: 'warn', message: 'circular', circular: { name: 'loop', self: '[Circular]' } },
      ],
    );
  });
});

describe('createLogger: levels and outputs', () => {
  const levels: LogLevel[] = ['error', 'warn', 'info', 'debug'];
  const expected: Record<LogLevel, LogLevel[]> = {
    error: ['error'],
    warn: ['error', 'warn'],
    info: ['error', 'warn', 'info'],
    debug: ['error', 'warn', 'info', 'debug'],
  };
  for (const level of levels) {
    it(`level ${level} writes ${expected[level].join(', ')}`, async () => {
      const path = logFile();
      const logger = createLogger({ level, format: 'json', output: path });
      for (const entryLevel of levels) logger.log(entryLevel, `at ${entryLevel}`);
      await closeLogger(logger);
      assert.deepEqual(
        lines(path).map((line) => (JSON.parse(line) as { level: string }).level),
        expected[level],
      );
    });
  }

  it('appends to an existing file', async () => {
    const path = logFile();
    writeFileSync(path, 'earlier line\n');
    const logger = createLogger({ level: 'info', format: 'text', output: path });
    logger.info('later line');
    await closeLogger(logger);
    const written = lines(path);
    assert.equal(written[0], 'earlier line');
    assert.match(written[1] ?? '', / info  later line$/);
  });

  it('throws at once when the file cannot be opened', () => {
    assert.throws(
      () => createLogger({ level: 'info', format: 'text', output: join(scratch, 'no', 'such', 'dir', 'x.log') }),
      /cannot open log file .*x\.log: ENOENT/,
    );
  });

  for (const output of ['stdout', 'stderr'] as const) {
    it(`writes to ${output} only`, () => {
      const module = new URL('./create-logger.ts', import.meta.url).href;
      const script = `import { createLogger } from ${JSON.stringify(module)};
        createLogger({ level: 'info', format: 'json', output: ${JSON.stringify(output)} }).warn('hello', { n: 1 });`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const streams = { stdout: child.stdout, stderr: child.stderr };
      const other = output === 'stdout' ? 'stderr' : 'stdout';
      const { timestamp, ...entry } = JSON.parse(streams[output].trim()) as Record<string, unknown>;
      assert.match(String(timestamp), TIMESTAMP);
      assert.deepEqual(entry, { level: 'warn', message: 'hello', n: 1 });
      assert.equal(streams[other], '');
    });
  }
});
