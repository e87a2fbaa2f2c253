import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageMatchesPattern, normalizeImagePattern, normalizeImageRef } from './normalize-image-ref.js';
import { PolicyError } from './policy-error.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('normalizeImageRef', () => {
  const cases: Array<[string, string]> = [
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['docker.io/library/alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['library/alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['index.docker.io/library/alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['user/app', 'docker.io/user/app:latest'],
    ['user/app:v1.2-rc_3', 'docker.io/user/app:v1.2-rc_3'],
    ['ghcr.io/acme/tool:1', 'ghcr.io/acme/tool:1'],
    ['GHCR.IO/acme/tool', 'ghcr.io/acme/tool:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['registry.local:5000/a/b/c', 'registry.local:5000/a/b/c:latest'],
    [`alpine@${DIGEST}`, `docker.io/library/alpine@${DIGEST}`],
    [`alpine:3.19@${DIGEST}`, `docker.io/library/alpine:3.19@${DIGEST}`],
    ['my_app/sub-name.x', 'docker.io/my_app/sub-name.x:latest'],
  ];
  for (const [input, canonical] of cases) {
    it(`${input} → ${canonical}`, () => assert.equal(normalizeImageRef(input).canonical, canonical));
  }

  it('splits name, tag and digest', () => {
    assert.deepEqual(normalizeImageRef(`localhost:5000/app:dev@${DIGEST}`), {
      name: 'localhost:5000/app',
      tag: 'dev',
      digest: DIGEST,
      canonical: `localhost:5000/app:dev@${DIGEST}`,
    });
    assert.equal(normalizeImageRef(`alpine@${DIGEST}`).tag, undefined);
  });

  const invalid = ['', 'Alpine', 'user/App', 'alpine:', 'alpine:-bad', '/alpine', 'alpine/', 'a//b', 'alpine@sha256:abc', `alpine@sha512:${'a'.repeat(64)}`, `alpine@sha256:${'A'.repeat(64)}`, 'al pine', 'bad_host.-x/app', `x/${'a'.repeat(260)}`, 'alpine:tag:more'];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => normalizeImageRef(input), PolicyError));
  }
});

describe('image patterns', () => {
  const cases: Array<[pattern: string, image: string, matches: boolean]> = [
    ['alpine', 'alpine:3.19', true],
    ['alpine', `docker.io/library/alpine@${DIGEST}`, true],
    ['alpine:3.19', 'docker.io/library/alpine:3.19', true],
    ['docker.io/library/alpine:3.19', 'alpine:3.19', true],
    ['alpine:3.19', 'alpine:3.20', false],
    ['alpine:3.19', 'alpine', false],
    ['alpine', 'alpinex', false],
    ['alpine', 'user/alpine', false],
    [`alpine@${DIGEST}`, `alpine:3@${DIGEST}`, true],
    [`alpine@${DIGEST}`, 'alpine:3', false],
    ['ghcr.io/acme/*', 'ghcr.io/acme/tool:1', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/team/tool', true],
    ['ghcr.io/acme/*', 'ghcr.io/acmex/tool', false],
    ['ghcr.io/acme/*', 'ghcr.io/acme', false],
    ['user/*', 'docker.io/user/app', true],
    ['docker.io/*', 'alpine', true],
    ['docker.io/*', 'ghcr.io/a/b', false],
  ];
  for (const [pattern, image, matches] of cases) {
    it(`${pattern} ${matches ? 'matches' : 'does not match'} ${image}`, () => {
      assert.equal(imageMatchesPattern(normalizeImageRef(image), normalizeImagePattern(pattern)), matches);
    });
  }

  it('normalizes patterns without inventing a tag', () => {
    assert.equal(normalizeImagePattern('alpine'), 'docker.io/library/alpine');
    assert.equal(normalizeImagePattern('docker.io/*'), 'docker.io/*');
    assert.equal(normalizeImagePattern('user/*'), 'docker.io/user/*');
    assert.throws(() => normalizeImagePattern('Bad/*'), PolicyError);
  });
});
