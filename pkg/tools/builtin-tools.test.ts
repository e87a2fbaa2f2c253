import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { curlMaxTimeSeconds } from './build-curl-invocation.js';
import { createBuiltinTools } from './create-builtin-tools.js';
import { createFetchUrlTool } from './fetch-url-tool.js';
import { createFileEditTool } from './file-edit-tool.js';
import { createFileReadTool } from './file-read-tool.js';
import { createFileWriteTool } from './file-write-tool.js';
import { createFindTool } from './find-tool.js';
import { createGrepTool } from './grep-tool.js';
import { createListTool } from './list-tool.js';
import type { TaskParams, ToolSpec } from './tool-spec.js';
import { BUILTIN_TOOL_TYPES, paramsCaseForTool } from '../protocol/tool-params.js';
import { createWebSearchTool } from './web-search-tool.js';
import { throwsCode } from '../../test/support/throws-code.js';

const MIB = 1024 * 1024;
const CONTEXT = { egressProxyUrl: 'http://172.18.0.1:3128' };

function options(overrides: Partial<BuiltinToolOptions> = {}): BuiltinToolOptions {
  return {
    image: 'baaaht/tools:0.1.0',
    searchUrlTemplate: 'https://search.example/html/?q={query}&kl=en',
    maxFetchBytes: 1_000_000,
    webNetwork: 'bridge',
    overrides: {},
    ...overrides,
  };
}


const read = (path: string): TaskParams => ({ $case: 'fileRead', fileRead: { path } });
const write = (path: string, content: Buffer): TaskParams => ({ $case: 'fileWrite', fileWrite: { path, content } });
const edit = (path: string, search: string, replace: string): TaskParams => ({
  $case: 'fileEdit',
  fileEdit: { path, search, replace },
});
const grep = (pattern: string, path = '', recursive = false, ignoreCase = false): TaskParams => ({
  $case: 'grep',
  grep: { pattern, path, recursive, ignoreCase },
});
const find = (path: string, name = '', type = ''): TaskParams => ({ $case: 'find', find: { path, name, type } });
const list = (path: string): TaskParams => ({ $case: 'list', list: { path } });
const fetchUrl = (url: string): TaskParams => ({ $case: 'fetchUrl', fetchUrl: { url } });
const webSearch = (query: string): TaskParams => ({ $case: 'webSearch', webSearch: { query } });

/** One valid params value of each built-in tool's case, to try against every other tool. */
const SAMPLE_PARAMS: Readonly<Record<string, TaskParams>> = {
  file_read: read('a'),
  file_write: write('a', Buffer.from('x')),
  file_edit: edit('a', 'x', 'y'),
  grep: grep('x'),
  find: find(''),
  list: list(''),
  fetch_url: fetchUrl('https://example.com/'),
  web_search: webSearch('x'),
};

describe('built-in tool specs', () => {
  it('are the eight built-in types, in order, each with the default image', () => {
    const specs = createBuiltinTools(options());
    assert.deepEqual(
      specs.map((spec) => spec.type),
      BUILTIN_TOOL_TYPES,
    );
    for (const spec of specs) {
      assert.equal(spec.image, 'baaaht/tools:0.1.0');
      assert.equal(spec.runtime, undefined);
      assert.ok(spec.description.length > 0);
    }
  });

  it('have the limits, timeouts, networks and mounts of the brief', () => {
    const table: Record<string, [number, number, number, number, string, string]> = {
      file_read: [0.1, 64 * MIB, 10, 30_000, 'none', 'read'],
      file_write: [0.1, 64 * MIB, 10, 30_000, 'none', 'write'],
      file_edit: [0.1, 64 * MIB, 10, 30_000, 'none', 'write'],
      grep: [0.2, 128 * MIB, 20, 60_000, 'none', 'read'],
      find: [0.2, 128 * MIB, 20, 60_000, 'none', 'read'],
      list: [0.1, 64 * MIB, 10, 30_000, 'none', 'read'],
      fetch_url: [0.2, 128 * MIB, 10, 30_000, 'bridge', 'none'],
      web_search: [0.2, 128 * MIB, 10, 60_000, 'bridge', 'none'],
    };
    for (const spec of createBuiltinTools(options())) {
      const [cpus, memoryBytes, pids, timeoutMs, network, mount] = table[spec.type] ?? assert.fail(spec.type);
      assert.deepEqual(
        { ...spec.limits, timeoutMs: spec.timeoutMs, network: spec.network, mount: spec.mount },
        { cpus, memoryBytes, pids, timeoutMs, network, mount },
        spec.type,
      );
    }
  });

  it('web tools join options.webNetwork', () => {
    const specs = createBuiltinTools(options({ webNetwork: 'egress-only' }));
    const networks = Object.fromEntries(specs.map((spec) => [spec.type, spec.network]));
    assert.equal(networks['fetch_url'], 'egress-only');
    assert.equal(networks['web_search'], 'egress-only');
    assert.equal(networks['grep'], 'none');
  });

  it('refuse every params case but their own, and missing params, naming the expected message', () => {
    for (const spec of createBuiltinTools(options())) {
      const own = paramsCaseForTool(spec.type);
      throwsCode(() => spec.buildInvocation(undefined), 'INVALID_PARAMS', new RegExp(`^${spec.type} expects \\w+Params .*no params`));
      throwsCode(
        () => spec.buildInvocation({ $case: 'custom', custom: { values: { path: 'a' } } }),
        'INVALID_PARAMS',
        /expects \w+Params \(params case \w+\), got params case "custom"/,
      );
      for (const [type, params] of Object.entries(SAMPLE_PARAMS)) {
        if (type === spec.type) {
          assert.doesNotThrow(() => spec.buildInvocation(params, CONTEXT), `${spec.type} with its own params`);
        } else {
          throwsCode(() => spec.buildInvocation(params), 'INVALID_PARAMS', new RegExp(`params case ${own}\\b`));
        }
      }
    }
  });

  it('refuse hostile paths in every file tool', () => {
    const fileTools: Array<[ToolSpec, (path: string) => TaskParams]> = [
      [createFileReadTool(options()), read],
      [createFileWriteTool(options()), (path) => write(path, Buffer.from('x'))],
      [createFileEditTool(options()), (path) => edit(path, 'x', 'y')],
      [createGrepTool(options()), (path) => grep('x', path)],
      [createFindTool(options()), (path) => find(path)],
      [createListTool(options()), list],
    ];
    for (const [spec, make] of fileTools) {
      for (const path of ['../etc/passwd', '/etc/passwd', '/workspace/../etc', '/workspacex', 'a/../../b']) {
        throwsCode(() => spec.buildInvocation(make(path)), 'PATH_ESCAPE');
      }
      for (const path of ['a\0b', 'a\nb', 'x'.repeat(5000)]) {
        throwsCode(() => spec.buildInvocation(make(path)), 'INVALID_PARAMS');
      }
    }
  });
});

describe('file_read', () => {
  const tool = createFileReadTool(options());
  it('runs baaaht-fs read on the resolved path', () => {
    assert.deepEqual(tool.buildInvocation(read('src/main.ts')), { argv: ['baaaht-fs', 'read', '/workspace/src/main.ts'] });
    assert.deepEqual(tool.buildInvocation(read('-n')).argv, ['baaaht-fs', 'read', '/workspace/-n']);
    assert.deepEqual(tool.buildInvocation(read('/workspace/a')).argv, ['baaaht-fs', 'read', '/workspace/a']);
  });
});

describe('file_write', () => {
  const tool = createFileWriteTool(options());
  it('runs baaaht-fs write with the content on stdin', () => {
    const content = Buffer.from([0, 1, 2, 255, 10]);
    const invocation = tool.buildInvocation(write('out/new.bin', content));
    assert.deepEqual(invocation.argv, ['baaaht-fs', 'write', '/workspace/out/new.bin']);
    assert.deepEqual(invocation.stdin, content);
  });
  it('accepts empty content', () => {
    assert.equal(tool.buildInvocation(write('empty', Buffer.alloc(0))).stdin?.length, 0);
  });
  it('refuses the workspace root itself', () => {
    for (const path of ['', '.', '/workspace', '/workspace/', 'a/..']) {
      throwsCode(() => tool.buildInvocation(write(path, Buffer.from('x'))), 'INVALID_PARAMS', /not \/workspace itself/);
    }
  });
  it('refuses content that is not bytes', () => {
    const params = { $case: 'fileWrite', fileWrite: { path: 'a', content: 'text' } } as unknown as TaskParams;
    throwsCode(() => tool.buildInvocation(params), 'INVALID_PARAMS', /content must be bytes/);
  });
});

describe('file_edit', () => {
  const tool = createFileEditTool(options());
  it('runs baaaht-fs edit with stdin framed by the UTF-8 byte length of search', () => {
    const invocation = tool.buildInvocation(edit('a.txt', 'héllo', 'wörld\n'));
    assert.deepEqual(invocation.argv, ['baaaht-fs', 'edit', '/workspace/a.txt']);
    assert.equal(Buffer.from(invocation.stdin ?? []).toString('utf8'), '6\nhéllowörld\n');
  });
  it('frames a search that itself holds digits and newlines', () => {
    const invocation = tool.buildInvocation(edit('a', '12\n34', ''));
    assert.equal(Buffer.from(invocation.stdin ?? []).toString('utf8'), '5\n12\n34');
  });
  it('frames 4-byte characters by bytes, not UTF-16 units', () => {
    const invocation = tool.buildInvocation(edit('a', '😀', 'x'));
    assert.equal(Buffer.from(invocation.stdin ?? []).toString('utf8'), '4\n😀x');
  });
  it('refuses an empty search', () => {
    throwsCode(() => tool.buildInvocation(edit('a', '', 'x')), 'INVALID_PARAMS', /search must not be empty/);
  });
  it('refuses unpaired surrogates, which UTF-8 cannot carry', () => {
    throwsCode(() => tool.buildInvocation(edit('a', '\uD800', 'x')), 'INVALID_PARAMS', /well-formed/);
    throwsCode(() => tool.buildInvocation(edit('a', 'x', '\uDC00')), 'INVALID_PARAMS', /replace/);
  });
  it('refuses the workspace root itself', () => {
    throwsCode(() => tool.buildInvocation(edit('.', 'a', 'b')), 'INVALID_PARAMS');
  });
});

/** The workspace guard every search tool runs under (images/tools/baaaht-fs confine). */
const confined = (target: string): string[] => ['baaaht-fs', 'confine', target];

describe('grep', () => {
  const tool = createGrepTool(options());
  it('runs grep -P -n --color=never -e PATTERN -- PATH under the guard', () => {
    assert.deepEqual(tool.buildInvocation(grep('TODO', 'src/a.ts')).argv, [
      ...confined('/workspace/src/a.ts'), 'grep', '-P', '-n', '--color=never', '-e', 'TODO', '--', '/workspace/src/a.ts',
    ]);
  });
  it('adds -r and -i when asked', () => {
    assert.deepEqual(tool.buildInvocation(grep('\\bfoo\\d+', '', true, true)).argv, [
      ...confined('/workspace'), 'grep', '-P', '-n', '-r', '-i', '--color=never', '-e', '\\bfoo\\d+', '--', '/workspace',
    ]);
    assert.deepEqual(tool.buildInvocation(grep('x', 'd', true, false)).argv.slice(3, 7), ['grep', '-P', '-n', '-r']);
    assert.deepEqual(tool.buildInvocation(grep('x', 'd', false, true)).argv.slice(3, 7), ['grep', '-P', '-n', '-i']);
  });
  it('keeps option-like patterns as the argument of -e', () => {
    for (const pattern of ['--help', '-rf', '-e', '--', '-f/etc/passwd', '--include=*']) {
      const argv = tool.buildInvocation(grep(pattern)).argv;
      const at = argv.indexOf('-e');
      assert.equal(argv[at + 1], pattern);
      assert.deepEqual(argv.slice(at + 2), ['--', '/workspace']);
      assert.equal(argv.filter((arg) => arg === pattern).length, pattern === '-e' || pattern === '--' ? 2 : 1);
    }
  });
  it('refuses invalid patterns before any container', () => {
    throwsCode(() => tool.buildInvocation(grep('(')), 'INVALID_PATTERN', /not a valid regular expression: Unterminated group/);
    throwsCode(() => tool.buildInvocation(grep('[a-')), 'INVALID_PATTERN');
    throwsCode(() => tool.buildInvocation(grep('a\nb')), 'INVALID_PATTERN', /single line/);
    throwsCode(() => tool.buildInvocation(grep('')), 'INVALID_PARAMS', /pattern must not be empty/);
    throwsCode(() => tool.buildInvocation(grep('a\0')), 'INVALID_PARAMS', /NUL/);
  });
  it('refuses non-boolean flags', () => {
    const params = { $case: 'grep', grep: { pattern: 'x', path: '', recursive: 'yes', ignoreCase: false } } as unknown as TaskParams;
    throwsCode(() => tool.buildInvocation(params), 'INVALID_PARAMS', /recursive must be a boolean/);
  });
});

describe('find', () => {
  const tool = createFindTool(options());
  it('runs find PATH with optional -name and -type under the guard', () => {
    assert.deepEqual(tool.buildInvocation(find('')).argv, [...confined('/workspace'), 'find', '/workspace']);
    assert.deepEqual(tool.buildInvocation(find('src', '*.ts')).argv, [...confined('/workspace/src'), 'find', '/workspace/src', '-name', '*.ts']);
    assert.deepEqual(tool.buildInvocation(find('.', '', 'd')).argv, [...confined('/workspace'), 'find', '/workspace', '-type', 'd']);
    assert.deepEqual(tool.buildInvocation(find('a', 'x*', 'f')).argv, [...confined('/workspace/a'), 'find', '/workspace/a', '-name', 'x*', '-type', 'f']);
    assert.deepEqual(tool.buildInvocation(find('a', '', 'l')).argv, [...confined('/workspace/a'), 'find', '/workspace/a', '-type', 'l']);
  });
  it('never lets the path be read as an expression', () => {
    for (const path of ['-delete', '(', '!', '-exec', '-newer']) {
      const argv = tool.buildInvocation(find(path)).argv;
      assert.deepEqual(argv.slice(2), [`/workspace/${path}`, 'find', `/workspace/${path}`]);
    }
  });
  it('keeps an option-like name as the argument of -name', () => {
    assert.deepEqual(tool.buildInvocation(find('', '-delete')).argv, [...confined('/workspace'), 'find', '/workspace', '-name', '-delete']);
  });
  it('refuses a bad type', () => {
    for (const type of ['x', 'F', 'fd', 'f,d', '-f', 'p', 's', ' f']) {
      throwsCode(() => tool.buildInvocation(find('', '', type)), 'INVALID_PARAMS', /type must be f, d or l/);
    }
  });
  it('refuses a name with a slash, NUL or control characters', () => {
    throwsCode(() => tool.buildInvocation(find('', 'a/b')), 'INVALID_PARAMS', /must not contain "\/"/);
    throwsCode(() => tool.buildInvocation(find('', '../x')), 'INVALID_PARAMS');
    throwsCode(() => tool.buildInvocation(find('', 'a\0')), 'INVALID_PARAMS', /NUL/);
    throwsCode(() => tool.buildInvocation(find('', 'a\nb')), 'INVALID_PARAMS', /control/);
    throwsCode(() => tool.buildInvocation(find('', 'x'.repeat(2000))), 'INVALID_PARAMS');
  });
});

describe('list', () => {
  const tool = createListTool(options());
  it('runs baaaht-fs list PATH (which checks the path as the other file tools do)', () => {
    assert.deepEqual(tool.buildInvocation(list('')).argv, ['baaaht-fs', 'list', '/workspace']);
    assert.deepEqual(tool.buildInvocation(list('--color=always')).argv, [
      'baaaht-fs', 'list', '/workspace/--color=always',
    ]);
  });
});

const curlArgs = (maxFilesize: string, maxTime: string, url: string): string[] => [
  'curl', '--disable', '--globoff', '--proxy', CONTEXT.egressProxyUrl, '--noproxy', '', '--silent', '--show-error', '--no-buffer', '--location', '--max-redirs', '5',
  '--proto', '=http,https', '--proto-redir', '=http,https', '--max-filesize', maxFilesize,
  '--max-time', maxTime, '--fail-with-body', '--url', url,
];

describe('fetch_url', () => {
  const tool = createFetchUrlTool(options());
  it('runs curl on the normalized URL', () => {
    const invocation = tool.buildInvocation(fetchUrl('https://Example.com/a%20b/../c?q={1,2}&r=[3]'), CONTEXT);
    assert.deepEqual(invocation, {
      argv: curlArgs('1000000', '28', 'https://example.com/c?q={1,2}&r=[3]'),
    });
  });
  it('accepts http and https with ports, queries, IPv6 hosts', () => {
    for (const url of ['http://example.com', 'https://example.com:8443/x?y=1#frag', 'http://[::1]:8080/', 'HTTPS://EXAMPLE.COM/']) {
      const argv = tool.buildInvocation(fetchUrl(url), CONTEXT).argv;
      assert.match(argv.at(-1) ?? '', /^https?:\/\//);
    }
  });
  it('refuses other schemes, unparsable URLs and credentials with INVALID_URL', () => {
    const refused = [
      'file:///etc/passwd',
      'FILE:///etc/passwd',
      'javascript:alert(1)',
      'ftp://example.com/',
      'gopher://example.com/',
      'dict://example.com/',
      'data:text/plain,hi',
      'ws://example.com/',
      'scp://host/file',
      'telnet://host',
      '//example.com/x',
      'example.com',
      '/etc/passwd',
      '-o/workspace/x',
      '--config=/etc/x',
      'http://',
      '',
      'https://user:pass@example.com/',
      'https://user@example.com/',
      ' http://example.com',
      'http://exa\nmple.com',
      'http://example.com/\0',
      'http://example.com/\tx',
      'http://exa mple.com',
      `https://example.com/${'a'.repeat(9000)}`,
    ];
    for (const url of refused) throwsCode(() => tool.buildInvocation(fetchUrl(url)), 'INVALID_URL');
  });
  it('uses the overridden timeout for --max-time', () => {
    const overridden = createFetchUrlTool(options({ overrides: { fetch_url: { timeoutMs: 10_000 } } }));
    assert.equal(overridden.timeoutMs, 10_000);
    const argv = overridden.buildInvocation(fetchUrl('https://example.com/'), CONTEXT).argv;
    assert.equal(argv[argv.indexOf('--max-time') + 1], '9');
  });
  it('goes only through the egress proxy: refused with POLICY_DENIED without one', () => {
    throwsCode(() => tool.buildInvocation(fetchUrl('https://example.com/')), 'POLICY_DENIED', /egress proxy/);
    throwsCode(() => tool.buildInvocation(fetchUrl('https://example.com/'), { egressProxyUrl: '' }), 'POLICY_DENIED', /egress proxy/);
    throwsCode(() => createWebSearchTool(options()).buildInvocation(webSearch('x')), 'POLICY_DENIED', /web_search/);
  });
  it('refuses a maxFetchBytes curl would read as unlimited', () => {
    for (const maxFetchBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      throwsCode(() => createFetchUrlTool(options({ maxFetchBytes })), 'INVALID_PARAMS', /maxFetchBytes/);
    }
  });
});

describe('curlMaxTimeSeconds', () => {
  it('leaves a tenth of the timeout, at most 2 s', () => {
    assert.equal(curlMaxTimeSeconds(30_000), '28');
    assert.equal(curlMaxTimeSeconds(60_000), '58');
    assert.equal(curlMaxTimeSeconds(5_000), '4.5');
    assert.equal(curlMaxTimeSeconds(1_000), '0.9');
    assert.equal(curlMaxTimeSeconds(1), '0.001');
  });
});

describe('web_search', () => {
  const tool = createWebSearchTool(options());
  it('runs the same curl on the template with the encoded query', () => {
    assert.deepEqual(tool.buildInvocation(webSearch('a&b=c #d/é?'), CONTEXT), {
      argv: curlArgs('1000000', '58', 'https://search.example/html/?q=a%26b%3Dc%20%23d%2F%C3%A9%3F&kl=en'),
    });
  });
  it('replaces every {query}, and $ patterns stay literal', () => {
    const twice = createWebSearchTool(options({ searchUrlTemplate: 'http://s.example/{query}?q={query}' }));
    assert.equal(twice.buildInvocation(webSearch("$&$'"), CONTEXT).argv.at(-1), "http://s.example/%24%26%24'?q=%24%26%24%27");
  });
  it('refuses an empty, blank, too long or malformed query', () => {
    throwsCode(() => tool.buildInvocation(webSearch('')), 'INVALID_PARAMS', /query must not be empty/);
    throwsCode(() => tool.buildInvocation(webSearch('  \n\t')), 'INVALID_PARAMS', /query must not be empty/);
    throwsCode(() => tool.buildInvocation(webSearch('x'.repeat(2049))), 'INVALID_PARAMS', /2048/);
    throwsCode(() => tool.buildInvocation(webSearch('\uD800')), 'INVALID_PARAMS', /well-formed/);
    assert.doesNotThrow(() => tool.buildInvocation(webSearch('x'.repeat(2048)), CONTEXT));
  });
  it('refuses a template without {query} or with another scheme when made', () => {
    throwsCode(() => createWebSearchTool(options({ searchUrlTemplate: 'https://s.example/?q=' })), 'INVALID_PARAMS', /\{query\}/);
    throwsCode(() => createWebSearchTool(options({ searchUrlTemplate: 'file:///{query}' })), 'INVALID_URL', /searchUrlTemplate/);
  });
});

describe('overrides', () => {
  it('replace image, limits field by field, timeout, runtime and network of one tool only', () => {
    const specs = createBuiltinTools(
      options({
        overrides: {
          grep: { image: 'my/grep:1', limits: { pids: 50 }, timeoutMs: 5_000, runtime: 'runsc', network: 'none' },
          web_search: { network: 'search-net', limits: { cpus: 1, memoryBytes: 256 * MIB } },
        },
      }),
    );
    const byType = new Map(specs.map((spec) => [spec.type, spec]));
    const grepSpec = byType.get('grep');
    assert.equal(grepSpec?.image, 'my/grep:1');
    assert.deepEqual(grepSpec?.limits, { cpus: 0.2, memoryBytes: 128 * MIB, pids: 50 });
    assert.equal(grepSpec?.timeoutMs, 5_000);
    assert.equal(grepSpec?.runtime, 'runsc');
    const search = byType.get('web_search');
    assert.equal(search?.network, 'search-net');
    assert.equal(search?.image, 'baaaht/tools:0.1.0');
    assert.deepEqual(search?.limits, { cpus: 1, memoryBytes: 256 * MIB, pids: 10 });
    assert.equal(byType.get('find')?.runtime, undefined);
    assert.equal(byType.get('find')?.image, 'baaaht/tools:0.1.0');
    assert.ok(!('runtime' in (byType.get('find') ?? {})));
  });
  it('ignore inherited keys like __proto__ or toString', () => {
    const specs = createBuiltinTools(options({ overrides: JSON.parse('{"__proto__": {"image": "evil"}}') as Record<string, never> }));
    for (const spec of specs) assert.equal(spec.image, 'baaaht/tools:0.1.0');
  });
  it('keep the built-in behaviour', () => {
    const tool = createFileReadTool(options({ overrides: { file_read: { image: 'x/y:1' } } }));
    assert.deepEqual(tool.buildInvocation(read('a')).argv, ['baaaht-fs', 'read', '/workspace/a']);
  });
});
