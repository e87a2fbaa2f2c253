import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideImage } from './decide-image.js';
import { parsePolicy } from './parse-policy.js';
import type { PolicyMode } from './policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;

function policy(mode: PolicyMode, images: string): ReturnType<typeof parsePolicy> {
  return parsePolicy(`mode: ${mode}\nimages: ${images}`, 'test');
}

describe('decideImage', () => {
  const LISTS = '{allow: [alpine, "ghcr.io/acme/*"], deny: ["alpine:edge", "ghcr.io/acme/bad"]}';
  const cases: Array<[mode: PolicyMode, images: string, image: string, verdict: string, rule: string]> = [
    ['strict', LISTS, 'alpine:3.19', 'allow', 'images.allow: docker.io/library/alpine'],
    ['strict', LISTS, 'docker.io/library/alpine:3.19', 'allow', 'images.allow: docker.io/library/alpine'],
    ['strict', LISTS, 'ghcr.io/acme/tool:1', 'allow', 'images.allow: ghcr.io/acme/*'],
    ['strict', LISTS, 'alpine:edge', 'deny', 'images.deny: docker.io/library/alpine:edge'],
    ['strict', LISTS, 'docker.io/library/alpine:edge', 'deny', 'images.deny: docker.io/library/alpine:edge'],
    ['strict', LISTS, 'ghcr.io/acme/bad:2', 'deny', 'images.deny: ghcr.io/acme/bad'],
    ['strict', LISTS, 'debian', 'deny', 'images.allow'],
    ['strict', LISTS, 'NOT VALID', 'deny', 'images'],
    ['permissive', LISTS, 'debian', 'allow', 'images.allow'],
    ['permissive', LISTS, 'alpine:edge', 'allow', 'images.deny: docker.io/library/alpine:edge'],
    ['disabled', LISTS, 'alpine:edge', 'allow', 'mode: disabled'],
    ['strict', '{requireDigest: true}', 'alpine:3.19', 'deny', 'images.requireDigest'],
    ['strict', '{requireDigest: true}', `alpine@${DIGEST}`, 'allow', 'images: any'],
    ['permissive', '{requireDigest: true}', 'alpine', 'allow', 'images.requireDigest'],
    ['strict', `{allow: ["alpine@${DIGEST}"]}`, `alpine:3@${DIGEST}`, 'allow', `images.allow: docker.io/library/alpine@${DIGEST}`],
    ['strict', `{allow: ["alpine@${DIGEST}"]}`, 'alpine:3', 'deny', 'images.allow'],
  ];
  for (const [mode, images, image, verdict, rule] of cases) {
    it(`${mode} ${images}: ${image} → ${verdict} by ${rule}`, () => {
      const decision = decideImage(policy(mode, images), image);
      assert.deepEqual([decision.verdict, decision.rule], [verdict, rule]);
    });
  }

  it('the default policy allows every valid image and refuses invalid ones', () => {
    assert.equal(decideImage(STRICT_DEFAULT_POLICY, 'anything/at:all').verdict, 'allow');
    assert.equal(decideImage(STRICT_DEFAULT_POLICY, 'UPPER').verdict, 'deny');
  });

  it('permissive reasons say the violation was let through', () => {
    assert.match(decideImage(policy('permissive', LISTS), 'debian').reason, /not in the allow list \(permissive: allowed\)/);
  });
});
