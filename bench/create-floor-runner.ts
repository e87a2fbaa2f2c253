// The floor: the raw Docker Engine API sequence for one task, called directly with dockerode,
// with the create body the worker sends (buildCreateOptions). Nothing of ours is in between.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { buildCreateOptions, type ContainerSpec } from '../pkg/runtime/index.js';
import { freshLabels } from './fresh-labels.js';

export interface FloorRun {
  readonly exitCode: number;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
}

export interface FloorRunner {
  /** create → attach → start → wait → end of output → remove; throws on a non-zero exit. */
  run(spec: ContainerSpec, signal: AbortSignal): Promise<FloorRun>;
}

/** dockerode takes `abortSignal` on these calls; its type definitions do not say so. */
type WithSignal<T> = T & { abortSignal: AbortSignal };

export function createFloorRunner(docker: Dockerode, callTimeoutMs = 30_000): FloorRunner {
  const within = (signal: AbortSignal): AbortSignal => AbortSignal.any([signal, AbortSignal.timeout(callTimeoutMs)]);
  return {
    async run(spec, signal) {
      const body = buildCreateOptions(freshLabels(spec, 120_000), `baaaht-bench-${randomBytes(8).toString('hex')}`);
      const container = await docker.createContainer({ ...body, abortSignal: within(signal) } as WithSignal<Dockerode.ContainerCreateOptions>);
      try {
        const stream = (await container.attach({ stream: true, stdout: true, stderr: true, abortSignal: within(signal) } as WithSignal<Dockerode.ContainerAttachOptions>)) as Duplex;
        let stdoutBytes = 0;
        let stderrBytes = 0;
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        stdout.on('data', (chunk: Buffer) => (stdoutBytes += chunk.length));
        stderr.on('data', (chunk: Buffer) => (stderrBytes += chunk.length));
        docker.modem.demuxStream(stream, stdout, stderr);
        const ended = Promise.race([once(stream, 'end'), once(stream, 'close')]);
        ended.catch(() => undefined);
        await container.start({ abortSignal: within(signal) } as WithSignal<object>);
        const exit = (await container.wait({ abortSignal: within(signal) } as WithSignal<object>)) as { StatusCode: number };
        // The process is gone: give the stream a moment to deliver what is in flight (as the worker does).
        const drained = new AbortController();
        await Promise.race([ended, sleep(5_000, undefined, { signal: drained.signal }).catch(() => undefined)]);
        drained.abort();
        stream.destroy();
        if (exit.StatusCode !== 0) throw new Error(`floor container exited ${exit.StatusCode}`);
        return { exitCode: exit.StatusCode, stdoutBytes, stderrBytes };
      } finally {
        await container.remove({ force: true, v: true, abortSignal: AbortSignal.timeout(callTimeoutMs) } as WithSignal<object>).catch(() => undefined);
      }
    },
  };
}
