/**
 * `baaaht-orchestrator`: the reference orchestrator. Composition root: loads the config,
 * builds the logger and the orchestrator (opening its task store in --data-dir), listens, and
 * closes on SIGINT/SIGTERM (exit 0); unfinished tasks stay in the store for the next start.
 */
import { homedir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConfigError, parseOrchestratorArgs } from '../../pkg/config/index.js';
import { createLogger, type Logger } from '../../pkg/log/index.js';
import { createOrchestrator } from '../../pkg/orchestrator/index.js';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseOrchestratorArgs({ argv: process.argv.slice(2), env: process.env, homeDir: homedir() });
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return 0;
  }
  const config = parsed.config;
  const logger = createLogger(config.log);
  let orchestrator;
  try {
    orchestrator = createOrchestrator(config, logger);
  } catch (error) {
    // The socket mode, or the data directory (unwritable, in use by another orchestrator, ...).
    logger.error('cannot start', { dataDir: config.dataDir, error: error instanceof Error ? error.message : String(error) });
    await flush(logger);
    return 1;
  }

  let stopping: Promise<void> | undefined;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn('second signal while stopping; exiting now', { signal });
        process.exit(1);
      }
      logger.info('stopping', { signal });
      stopping = orchestrator.close().then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  try {
    await orchestrator.listen();
  } catch (error) {
    logger.error('cannot listen', {
      listen: config.listen,
      ...(config.metricsAddr !== undefined ? { metricsAddr: config.metricsAddr } : {}),
      error: error instanceof Error ? error.message : String(error),
    });
    await orchestrator.close();
    return 1;
  }
  const unix = orchestrator.address.startsWith('unix:');
  logger.info('orchestrator listening', {
    address: orchestrator.address,
    dataDir: config.dataDir,
    maxAttempts: config.maxAttempts,
    ...(unix ? { socketMode: `0${config.socketMode.toString(8)}` } : {}),
    ...(unix && config.socketGroup !== undefined ? { socketGroup: config.socketGroup } : {}),
    ...(unix ? {} : { tls: config.tls === undefined ? 'off (--insecure)' : config.tls.clientCa ? 'mutual' : 'server only' }),
  });
  if (orchestrator.metricsAddress !== undefined) {
    logger.info('serving /healthz, /readyz and /metrics', { addr: orchestrator.metricsAddress });
  }
  await stopped;
  await flush(logger);
  return 0;
}

/** Lets the log transport write out what it holds (a file, typically), waiting at most 2 s. */
async function flush(logger: Logger): Promise<void> {
  const give = new AbortController();
  const finished = new Promise<void>((resolve) => {
    logger.once('finish', () => resolve());
    logger.end();
  });
  await Promise.race([finished, sleep(2000, undefined, { signal: give.signal }).catch(() => undefined)]);
  give.abort();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
