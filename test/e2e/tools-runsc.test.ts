// Every tool end to end under gVisor: the whole tool suite (tool-suite.ts) with every tool given a
// gVisor runtime in the worker's config file. The file tools and the suite's custom tools run
// under runsc (registered with --network=none); the web tools under runsc-hostnet (gVisor with the
// host kernel's network stack inside the container's own network namespace), because gVisor's own
// netstack does not start on this kernel (see scripts/ensure-docker.sh). A web tool configured
// with plain runsc is not offered, and the worker says why.
import assert from 'node:assert/strict';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Writable } from 'node:stream';
import winston from 'winston';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker } from '../../pkg/worker/index.js';
import { describeToolSuite } from './tool-suite.js';

describeToolSuite({ runtime: 'runsc', webRuntime: 'runsc-hostnet' }, () => {
  it('a web tool configured with runsc (no network) is not offered, and the log says why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baaaht-runsc-refuse-'));
    try {
      const configFile = join(dir, 'worker.yaml');
      await writeFile(configFile, 'tools:\n  overrides:\n    fetch_url: { runtime: runsc }\n    file_read: { runtime: runsc }\n    grep: { runtime: no-such-runtime }\n');
      const config = loadWorkerConfig({ argv: ['--config', configFile, '--work-dir', dir], env: TEST_WORKER_ENV, homeDir: '/nonexistent', hostname: 'e2e' });
      const lines: Array<Record<string, unknown>> = [];
      const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: capture(lines) })] });
      const parts = await createWorker(config, logger, { tools: createBuiltinToolRegistry(config.tools), version: 'test', hostname: 'e2e' });
      await parts.audit.close();
      assert.ok(parts.toolTypes.includes('file_read'), 'a file tool under runsc is offered');
      assert.ok(parts.toolTypes.includes('web_search'), 'a web tool under runc is offered');
      assert.ok(!parts.toolTypes.includes('fetch_url'), 'a web tool under a network-less runsc is not');
      assert.ok(!parts.toolTypes.includes('grep'), 'a tool under a runtime the engine lacks is not');
      const refusals = lines.filter((line) => line['message'] === 'tool runtime unusable; tool not offered');
      assert.deepEqual(refusals.map((line) => line['tool']).sort(), ['fetch_url', 'grep']);
      const fetch = refusals.find((line) => line['tool'] === 'fetch_url');
      assert.match(String(fetch?.['reason']), /runtime runsc is registered with --network=none, so fetch_url \(network \S+\) would have no network under it/);
      const grep = refusals.find((line) => line['tool'] === 'grep');
      assert.match(String(grep?.['reason']), /runtime no-such-runtime is not registered with the Docker engine/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A stream that keeps every JSON line logged, parsed. */
function capture(lines: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}
