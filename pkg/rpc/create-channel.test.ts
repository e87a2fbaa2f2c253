import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createGrpcChannel, formatGrpcTarget, parseAddress } from './create-channel.js';

describe('parseAddress', () => {
  const good: Array<[string, ReturnType<typeof parseAddress>]> = [
    ['unix:///tmp/baaaht.sock', { kind: 'unix', path: '/tmp/baaaht.sock' }],
    ['unix:/run/baaaht/grpc.sock', { kind: 'unix', path: '/run/baaaht/grpc.sock' }],
    ['127.0.0.1:7070', { kind: 'tcp', host: '127.0.0.1', port: 7070 }],
    ['localhost:0', { kind: 'tcp', host: 'localhost', port: 0 }],
    ['orchestrator.internal:443', { kind: 'tcp', host: 'orchestrator.internal', port: 443 }],
    ['[::1]:7070', { kind: 'tcp', host: '::1', port: 7070 }],
  ];
  for (const [input, expected] of good) {
    it(`accepts ${input}`, () => assert.deepEqual(parseAddress(input), expected));
  }

  const bad = [
    '',
    ' localhost:1',
    'unix:',
    'unix://',
    'unix:relative.sock',
    'unix://host/tmp/x.sock',
    'localhost',
    'localhost:',
    ':7070',
    'localhost:99999',
    'http://localhost:7070',
    'dns:///localhost:7070',
    'garbage with spaces:1',
    '[::1]',
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} naming it`, () => {
      assert.throws(() => parseAddress(input), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.ok(error.message.includes(JSON.stringify(input)), error.message);
        return true;
      });
    });
  }
});

describe('formatGrpcTarget', () => {
  it('normalises unix addresses to unix:///abs', () => {
    assert.equal(formatGrpcTarget(parseAddress('unix:/tmp/a.sock')), 'unix:///tmp/a.sock');
    assert.equal(formatGrpcTarget(parseAddress('unix:///tmp/a.sock')), 'unix:///tmp/a.sock');
  });
  it('brackets IPv6 hosts', () => {
    assert.equal(formatGrpcTarget(parseAddress('[::1]:80')), '[::1]:80');
    assert.equal(formatGrpcTarget(parseAddress('127.0.0.1:80')), '127.0.0.1:80');
  });
});

describe('createGrpcChannel', () => {
  it('creates a channel for each address form and rejects garbage', () => {
    const options = { maxRecvMsgSize: 1 << 20, maxSendMsgSize: 1 << 20 };
    for (const addr of ['unix:///tmp/x.sock', 'unix:/tmp/x.sock', '127.0.0.1:1']) {
      const channel = createGrpcChannel(addr, addr.startsWith('unix:') ? options : { ...options, insecure: true });
      assert.equal(channel.getTarget().includes('x.sock') || channel.getTarget().includes('127.0.0.1'), true);
      channel.close();
    }
    assert.throws(() => createGrpcChannel('nope', options), /"nope"/);
  });
});
