import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashClientToken } from '../rpc/client-token.js';
import { ANONYMOUS_ADMIN, LOCAL_ADMIN, clientAuthMode, identifyClient } from './client-auth-middleware.js';
import { canAccessTask } from './client-identity.js';
import { createClientTokens } from './client-tokens.js';
import { NO_OWNER } from './task-store.js';

const ALICE_TOKEN = 'alice-token-0123456789';
const ROOT_TOKEN = 'root-token-0123456789abc';
const tokens = createClientTokens([
  { name: 'alice', role: 'client', tokenSha256: hashClientToken(ALICE_TOKEN) },
  { name: 'root', role: 'admin', tokenSha256: hashClientToken(ROOT_TOKEN) },
]);
const none = createClientTokens([]);

describe('clientAuthMode', () => {
  it('tokens win on any listener; else a unix socket is local, mutual TLS names by certificate, --insecure is anonymous', () => {
    assert.equal(clientAuthMode({ tokens, unixSocket: true, clientCertificates: false, insecure: false }).kind, 'tokens');
    assert.equal(clientAuthMode({ tokens, unixSocket: false, clientCertificates: true, insecure: false }).kind, 'tokens');
    assert.equal(clientAuthMode({ tokens: none, unixSocket: true, clientCertificates: false, insecure: false }).kind, 'local-socket');
    assert.equal(clientAuthMode({ tokens: none, unixSocket: false, clientCertificates: true, insecure: false }).kind, 'certificate');
    assert.equal(clientAuthMode({ tokens: none, unixSocket: false, clientCertificates: false, insecure: true }).kind, 'insecure');
  });

  it('refuses TLS without client certificates or tokens: anonymous clients from the network', () => {
    assert.throws(() => clientAuthMode({ tokens: none, unixSocket: false, clientCertificates: false, insecure: false }), /anonymous clients/);
  });
});

describe('identifyClient', () => {
  const mode = clientAuthMode({ tokens, unixSocket: false, clientCertificates: true, insecure: false });
  const who = (authorization: string | undefined, certificateCn?: string) => identifyClient(mode, { authorization, certificateCn });

  it('a known bearer token names its client and role', () => {
    assert.deepEqual(who(`Bearer ${ALICE_TOKEN}`), { owner: 'token:alice', role: 'client' });
    assert.deepEqual(who(`bearer ${ROOT_TOKEN}`), { owner: 'token:root', role: 'admin' });
  });

  it('refuses a missing, unknown, bare or near-miss token, whatever certificate comes with it', () => {
    for (const value of [undefined, '', ALICE_TOKEN, `Bearer ${ALICE_TOKEN}x`, `Bearer ${ALICE_TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${ALICE_TOKEN}`]) {
      assert.ok('refused' in who(value, 'baaaht client'), String(value));
    }
  });

  it('by certificate: the CN, prefixed so it is never a token name; none: refused', () => {
    const byCert = clientAuthMode({ tokens: none, unixSocket: false, clientCertificates: true, insecure: false });
    assert.deepEqual(identifyClient(byCert, { authorization: undefined, certificateCn: 'alice' }), { owner: 'cert:alice', role: 'client' });
    assert.ok('refused' in identifyClient(byCert, { authorization: `Bearer ${ROOT_TOKEN}`, certificateCn: undefined }));
  });

  it('a unix socket without tokens is the local admin; --insecure without tokens the anonymous admin', () => {
    const local = clientAuthMode({ tokens: none, unixSocket: true, clientCertificates: false, insecure: false });
    const insecure = clientAuthMode({ tokens: none, unixSocket: false, clientCertificates: false, insecure: true });
    assert.equal(identifyClient(local, { authorization: undefined, certificateCn: undefined }), LOCAL_ADMIN);
    assert.equal(identifyClient(insecure, { authorization: undefined, certificateCn: undefined }), ANONYMOUS_ADMIN);
  });
});

describe('canAccessTask', () => {
  const alice = { owner: 'token:alice', role: 'client' } as const;
  it('a client: its own tasks only, never those owned by nobody; an admin: all', () => {
    assert.equal(canAccessTask(alice, 'token:alice'), true);
    assert.equal(canAccessTask(alice, 'token:bob'), false);
    assert.equal(canAccessTask(alice, 'cert:alice'), false);
    assert.equal(canAccessTask(alice, NO_OWNER), false);
    assert.equal(canAccessTask({ owner: 'token:root', role: 'admin' }, NO_OWNER), true);
  });
});
