// Composition root of bin/worker: config, policy, logger, Docker engine, tools, agent; OS signals.
import { homedir, hostname } from 'node:os';
import { isConfigError, parseWorkerArgs } from '../../pkg/config/index.js';
import { findPackageVersion } from '../../pkg/config/find-package-version.js';
import { isWorkerError } from '../../pkg/errors/index.js';
import { closeLogger, createLogger } from '../../pkg/log/index.js';
import { loadPolicy, PolicyHolder, resolvePolicyPath } from '../../pkg/policy/index.js';
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
  // A policy that cannot be read or parsed stops the worker: it never runs tasks under a guess.
  const policyPath = resolvePolicyPath({ flag: config.policyFile, homeDir: homedir() });
  let policy: PolicyHolder;
  try {
    policy = new PolicyHolder(await loadPolicy(policyPath), policyPath);
  } catch (error) {
    process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const logger = createLogger(config.log);
  const version = findPackageVersion(import.meta.url) ?? '0.0.0';
  let parts;
  try {
    parts = await createWorker(config, logger, {
      tools: createBuiltinToolRegistry(config.tools),
      version,
      hostname: hostname(),
      policy,
    });
  } catch (error) {
    const message = isWorkerError(error) ? `${error.code}: ${error.message}` : String(error);
    logger.error('worker could not start', { error: message, dockerSocket: config.dockerSocket });
    await closeLogger(logger);
    return 1;
  }
  const { agent } = parts;
  logger.info('worker starting', { name: config.name, version, orchestrator: config.orchestratorAddr, tools: parts.toolTypes.join(',') });
  logger.info('policy in force', { policy: policyPath ?? 'built-in strict default', mode: policy.current.mode, auditLog: config.auditLog });

  process.on('SIGHUP', () => {
    void policy.reload().then((outcome) => {
      if (outcome.ok) logger.info('policy reloaded', { policy: policyPath ?? 'built-in strict default', mode: policy.current.mode });
      else logger.error('policy reload failed: keeping the policy in force', { policy: policyPath, error: outcome.error });
    });
  });

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal: killing running tasks and exiting now', { signal });
      void agent.forceStop().finally(() => process.exit(130));
      return;
    }
    stopping = true;
    if (signal === 'SIGUSR1') {
      logger.info('drain requested: finishing running tasks, taking no new ones', { signal });
      void agent.drain(`drain (${signal})`);
    } else {
      logger.info('signal received: shutting down', { signal, shutdownTimeoutMs: config.shutdownTimeoutMs });
      void agent.shutdown(`signal ${signal}`);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGUSR1', onSignal);

  agent.start().catch(() => undefined); // registration progress is logged; failures end done()
  try {
    await agent.done();
    await agent.shutdown('stopped');
    await parts.audit.close();
    await closeLogger(logger);
    return 0;
  } catch (error) {
    logger.error('worker failed', { error: error instanceof Error ? error.message : String(error) });
    await agent.shutdown('failed').catch(() => undefined);
    await parts.audit.close().catch(() => undefined);
    await closeLogger(logger);
    return 1;
  }
}

process.exitCode = await main();
