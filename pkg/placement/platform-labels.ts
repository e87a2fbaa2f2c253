import { PLATFORM_PREFIX } from './label-rules.js';

/** What a worker knows of its platform when it registers. */
export interface PlatformFacts {
  /** `process.platform`, e.g. `linux`. */
  readonly os: string;
  /** `process.arch`, e.g. `x64`, `arm64`. */
  readonly arch: string;
  /** OCI runtimes the engine offers, e.g. `runc`, `runsc`. */
  readonly runtimes: readonly string[];
  /** Tool types the worker serves. */
  readonly tools: readonly string[];
}

/**
 * The labels a worker fills in about itself: `platform.os`, `platform.arch`, and
 * `platform.runtime.<name>=true` / `platform.tool.<name>=true` for each runtime and tool, so a
 * task can ask for `--label platform.runtime.runsc=true`. Names that could not be label keys are
 * left out.
 */
export function platformLabels(facts: PlatformFacts): Record<string, string> {
  const labels: Record<string, string> = {
    [`${PLATFORM_PREFIX}os`]: facts.os,
    [`${PLATFORM_PREFIX}arch`]: facts.arch,
  };
  const safe = /^[A-Za-z0-9._-]{1,40}$/;
  for (const runtime of facts.runtimes) if (safe.test(runtime)) labels[`${PLATFORM_PREFIX}runtime.${runtime}`] = 'true';
  for (const tool of facts.tools) if (safe.test(tool)) labels[`${PLATFORM_PREFIX}tool.${tool}`] = 'true';
  return labels;
}
