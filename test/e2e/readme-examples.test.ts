// Runs the library examples of README.md exactly as written there, with the placeholders
// (project path, example.com, the orchestrator address) pointed at this test's own.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { ROOT, runExample } from '../support/examples.js';
import { PAGE_HTML, startWebServer, type WebServer } from '../support/web-server.js';
import { startOrchestrator, type Harness } from '../rpc/harness.js';

/** Fenced blocks opened with ```ts example=NAME. */
function readmeExamples(readme: string): Map<string, string> {
  const examples = new Map<string, string>();
  for (const match of readme.matchAll(/^```ts example=([\w-]+)\n([\s\S]*?)^```$/gm)) examples.set(match[1]!, match[2]!);
  return examples;
}

describe('README library examples (real Docker, real orchestrator)', () => {
  let examples: Map<string, string>;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let web: WebServer;
  let h: Harness;
  const dir = join(ROOT, 'test/.examples');

  before(async () => {
    examples = readmeExamples(await readFile(join(ROOT, 'README.md'), 'utf8'));
    ws = await makeWorkspace({ 'README.md': 'Our project. TODO: write more docs\none two three\n' });
    web = await startWebServer();
    h = await startOrchestrator();
    await mkdir(dir, { recursive: true });
  });
  after(async () => {
    await h?.close();
    await web?.close();
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (name: string): Promise<string> => {
    const source = examples.get(name);
    assert.ok(source, `README has an example named ${name}`);
    const code = source
      .replaceAll('/path/to/project', ws.dir)
      .replaceAll('https://example.com', web.origin)
      .replaceAll('https://search.example/?q={query}', `${web.origin}/search?q={query}`)
      .replaceAll('unix:///tmp/baaaht-grpc.sock', h.address);
    const file = join(dir, `${name}.ts`);
    await writeFile(file, code);
    const r = await runExample(file);
    assert.equal(r.code, 0, `example ${name} failed:\n${r.stderr}`);
    return r.stdout;
  };

  it('has the four examples', () => {
    assert.deepEqual([...examples.keys()].sort(), ['bootstrap', 'custom-tool', 'execute-task', 'helpers']);
  });

  it('execute-task: grep through the executor', async () => {
    const out = await run('execute-task');
    assert.match(out, /^COMPLETED 0 \/workspace\/README\.md:1:Our project\. TODO: write more docs$/m);
  });

  it('helpers: fileRead, fetchUrl, webSearch and a cancel', async () => {
    const out = await run('helpers');
    assert.ok(out.includes('Our project. TODO: write more docs\none two three\n'), out);
    assert.ok(out.includes(PAGE_HTML), out);
    assert.ok(out.includes('results for: container isolation'));
    assert.equal(out.trim().split('\n').at(-1), 'CANCELLED');
  });

  it('custom-tool: registered, listed and run in a container', async () => {
    const out = await run('custom-tool');
    const [list, count] = out.trim().split('\n');
    assert.ok(list?.split(',').includes('word_count'));
    assert.ok(list?.split(',').includes('file_read'));
    assert.equal(count, '9 README.md');
  });

  it('bootstrap: registers with the orchestrator and shuts down', async () => {
    const out = await run('bootstrap');
    assert.match(out, /^registered as [0-9a-f-]{36}$/m);
  });
});
