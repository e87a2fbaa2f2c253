import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chown, mkdtemp, rm, unlink } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isUntrustedSocketError, openTrustedSocket } from './open-trusted-socket.js';

/** A listener that answers every connection with `name`. */
async function namedServer(path: string, name: string): Promise<Server> {
  const server = createServer((socket) => socket.end(name));
  server.listen(path);
  await once(server, 'listening');
  return server;
}

async function readFrom(path: string): Promise<string> {
  const socket = connect({ path });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await once(socket, 'end');
  return text;
}

describe('openTrustedSocket (real sockets)', { skip: process.platform !== 'linux' ? 'O_PATH is Linux only' : false }, () => {
  let dir: string;
  const self = { selfUid: process.getuid?.() ?? 0, extraUids: [] };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-sock-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('connects to the socket it checked, even when the name is swapped for another one afterwards', async () => {
    const path = join(dir, 'o.sock');
    const original = await namedServer(path, 'original');
    const opened = openTrustedSocket(path, self);
    // The race a stat-then-connect loses: the name now leads to someone else's socket.
    await unlink(path);
    const impostor = await namedServer(path, 'impostor');
    try {
      assert.equal(await readFrom(opened.connectPath), 'original');
      assert.equal(await readFrom(path), 'impostor');
    } finally {
      opened.close();
      original.close();
      impostor.close();
    }
  });

  it('refuses a socket another uid owns, and says which', { skip: process.getuid?.() !== 0 ? 'needs root (chown)' : false }, async () => {
    const path = join(dir, 'other.sock');
    const server = await namedServer(path, 'other');
    try {
      await chown(path, 12345, 12345);
      assert.throws(() => openTrustedSocket(path, self), (error: unknown) => isUntrustedSocketError(error) && error.code === 'SOCKET_UNTRUSTED' && /owned by uid 12345/.test(error.message));
      const trusted = openTrustedSocket(path, { ...self, extraUids: [12345] });
      assert.equal(trusted.uid, 12345);
      trusted.close();
    } finally {
      server.close();
    }
  });

  it('an absent socket is the fs error (ENOENT), to be retried like an unreachable peer', () => {
    assert.throws(() => openTrustedSocket(join(dir, 'none.sock'), self), { code: 'ENOENT' });
  });
});
