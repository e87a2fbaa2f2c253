// Composition root of bin/worker: config, logger, Docker engine, tools, agent; OS signals.
import { homedir, hostname } from 'node:os';
import { isConfigError, parseWorkerArgs } from '../../pkg/config/index.js';
import { findPackageVersion } from '../../pkg/config/find-package-version.js';
import { isWorkerError } from '../../pkg/errors/index.js';
import { closeLogger, createLogger } from '../../pkg/log/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker } from '../../pkg/worker/index.js';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseWorkerArgs({ argv: process.argv.slice(2), env: process.env, homeDir: homedir(), hostname: hostname() });
  } catch (error) {
    if (isConfigError(error)) {
      process.stderr.write(`worker: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return 0;
  }
  const config = parsed.config;
  const logger = createLogger(config.log);
  const version = findPackageVersion(import.meta.url) ?? '0.0.0';
  let parts;
  try {
    parts = await createWorker(config, logger, {
      tools: createBuiltinToolRegistry(config.tools),
      version,
      hostname: hostname(),
    });
  } catch (error) {
    const message = isWorkerError(error) ? `${error.code}: ${error.message}` : String(error);
    logger.error('worker could not start', { error: message, dockerSocket: config.dockerSocket });
    await closeLogger(logger);
    return 1;
  }
  const { agent } = parts;
  logger.info('worker starting', { name: config.name, version, orchestrator: config.orchestratorAddr, tools: parts.toolTypes.join(',') });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn('second signal: exiting at once', { signal });
      process.exit(130);
    }
    logger.info('signal received: shutting down', { signal });
    void agent.shutdown(`signal ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  agent.start().catch(() => undefined); // registration progress is logged; failures end done()
  try {
    await agent.done();
    await agent.shutdown('stopped');
    await closeLogger(logger);
    return 0;
  } catch (error) {
    logger.error('worker failed', { error: error instanceof Error ? error.message : String(error) });
    await agent.shutdown('failed').catch(() => undefined);
    await closeLogger(logger);
    return 1;
  }
}

process.exitCode = await main();
