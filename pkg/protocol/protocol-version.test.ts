import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAX_MESSAGE_BYTES, PROTOCOL_VERSION, negotiateProtocolVersion, peerProtocolVersion, peerReceiveLimit } from './protocol-version.js';

describe('protocol versions', () => {
  it('reads an unset version (a peer older than the field) as 1', () => {
    assert.equal(peerProtocolVersion(0), 1);
    assert.equal(peerProtocolVersion(2), 2);
  });

  it('a registration speaks the smaller of both versions', () => {
    assert.equal(negotiateProtocolVersion(0), 1);
    assert.equal(negotiateProtocolVersion(1), 1);
    assert.equal(negotiateProtocolVersion(PROTOCOL_VERSION), PROTOCOL_VERSION);
    assert.equal(negotiateProtocolVersion(PROTOCOL_VERSION + 5), PROTOCOL_VERSION, 'a newer peer speaks down to us');
  });

  it('refuses a peer below the oldest version it speaks', () => {
    assert.equal(negotiateProtocolVersion(1, 0), undefined);
  });

  it('assumes gRPC’s 4 MiB for a peer that advertises no receive limit', () => {
    assert.equal(peerReceiveLimit(0), DEFAULT_MAX_MESSAGE_BYTES);
    assert.equal(DEFAULT_MAX_MESSAGE_BYTES, 4 * 1024 * 1024);
    assert.equal(peerReceiveLimit(65_536), 65_536);
  });
});
