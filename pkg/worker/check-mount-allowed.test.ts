import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWorkerError } from '../errors/index.js';
import { checkMountAllowed } from './check-mount-allowed.js';

const SOCKET = ['/run/docker.sock'];

describe('checkMountAllowed', () => {
  const denied = ['/', '/proc', '/proc/1', '/sys/fs', '/dev', '/dev/shm', '/etc', '/etc/ssh', '/boot', '/var/lib/docker/volumes', '/run'];
  for (const source of denied) {
    it(`refuses ${source}`, () => {
      assert.throws(
        () => checkMountAllowed(source, SOCKET),
        (error: unknown) => isWorkerError(error) && error.code === 'POLICY_DENIED' && error.message.includes(JSON.stringify(source)),
      );
    });
  }

  it('refuses every directory that contains the Docker socket', () => {
    for (const source of ['/var/run', '/var']) assert.throws(() => checkMountAllowed(source, ['/var/run/docker.sock']), /contains \/var\/run\/docker\.sock/);
  });

  const allowed = ['/home/ada/project', '/tmp/ws', '/srv/data', '/etcetera', '/devices', '/run-data', '/var/lib/dockerish'];
  for (const source of allowed) {
    it(`allows ${source}`, () => {
      assert.doesNotThrow(() => checkMountAllowed(source, SOCKET));
    });
  }
});
