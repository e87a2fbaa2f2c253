import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { engineNanoCpus, GVISOR_CPUS_BASE } from './engine-cpu-limit.js';

describe('engineNanoCpus', () => {
  it('is the limit itself under runc and the default runtime', () => {
    assert.equal(engineNanoCpus(0.1, 'runc'), 100_000_000);
    assert.equal(engineNanoCpus(0.25, undefined), 250_000_000);
  });
  it('adds the sandbox’s share under gVisor runtimes', () => {
    assert.equal(GVISOR_CPUS_BASE, 0.4);
    assert.equal(engineNanoCpus(0.1, 'runsc'), 500_000_000);
    assert.equal(engineNanoCpus(0.2, 'runsc-hostnet'), 600_000_000);
    assert.equal(engineNanoCpus(0.1, 'runscx'), 100_000_000, 'only runsc and runsc-*');
  });
  it('is a whole number of nanocpus', () => assert.ok(Number.isInteger(engineNanoCpus(0.3, 'runsc'))));
});
