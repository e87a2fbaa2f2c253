// The CLI: `docker run --rm` with the flags that ask for the worker's container (dockerRunArgs).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { buildCreateOptions, type ContainerSpec } from '../pkg/runtime/index.js';
import { dockerRunArgs } from './docker-run-args.js';
import { freshLabels } from './fresh-labels.js';

const run = promisify(execFile);

export interface CliRunner {
  /** One `docker run --rm`; throws on a non-zero exit or after `timeoutMs`. */
  run(spec: ContainerSpec, signal: AbortSignal): Promise<{ stdoutBytes: number }>;
  /** The argv of a run of `spec`, for the report. */
  argsFor(spec: ContainerSpec): string[];
}

export function createCliRunner(timeoutMs = 60_000): CliRunner {
  const argsFor = (spec: ContainerSpec): string[] =>
    dockerRunArgs(buildCreateOptions(freshLabels(spec, 120_000), `baaaht-bench-${randomBytes(8).toString('hex')}`));
  return {
    argsFor,
    async run(spec, signal) {
      const { stdout } = await run('docker', argsFor(spec), {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
      });
      return { stdoutBytes: stdout.length };
    },
  };
}
