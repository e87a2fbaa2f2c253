import { hostname } from 'node:os';
import { findPackageVersion } from '../config/find-package-version.js';
import { createLogger, type Logger } from '../log/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { createWorker, type WorkerAgent } from '../worker/index.js';
import { wrapExecutor, type Executor } from './create-executor.js';
import { defaultWorkerConfig, toolRegistryFor, type WorkerConfigOverrides } from './default-tool-registry.js';

export interface BootstrapOptions {
  readonly tools?: ToolRegistry;
  readonly logger?: Logger;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A running, registered worker embedded in a program. */
export interface BootstrappedWorker {
  readonly agentId: string;
  readonly agent: WorkerAgent;
  /** Runs tasks locally, outside the orchestrator's queue, with the same tools. */
  readonly executor: Executor;
  /** Cancels running tasks, unregisters and closes the link. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Starts a worker and resolves once the orchestrator has registered it. `config` is merged onto
 * the defaults (nothing is read from flags, environment or files).
 */
export async function bootstrap(config: WorkerConfigOverrides = {}, options: BootstrapOptions = {}): Promise<BootstrappedWorker> {
  const full = defaultWorkerConfig(config);
  const logger = options.logger ?? createLogger(full.log);
  const parts = await createWorker(full, logger, {
    tools: toolRegistryFor(full, config, options.tools),
    version: findPackageVersion(import.meta.url) ?? '0.0.0',
    hostname: hostname(),
    ...(options.labels ? { labels: options.labels } : {}),
  });
  let agentId: string;
  try {
    agentId = await parts.agent.start();
  } catch (error) {
    await parts.agent.shutdown('bootstrap failed');
    await parts.audit.close();
    throw error;
  }
  return {
    agentId,
    agent: parts.agent,
    executor: wrapExecutor(parts.executor),
    shutdown: async (reason = 'shutdown') => {
      await parts.agent.shutdown(reason);
      await parts.audit.close();
    },
  };
}
