/**
 * `task`: submit a tool task to the orchestrator and follow it (or detach), look a task up, list
 * workers, watch workers and tasks, or cancel a task.
 * Composition root: parses arguments, builds the channel and client, wires Ctrl-C.
 */
import { readFile } from 'node:fs/promises';
import { Metadata } from 'nice-grpc';
import { EXIT, TASK_USAGE, UsageError, executeTaskCommand, parseTaskArgs, readClientToken, type TaskCommand } from '../../pkg/cli/index.js';
import { CLIENT_TOKEN_METADATA, bearerValue } from '../../pkg/rpc/client-token.js';
import { readClientTls } from '../../pkg/config/compile-client-tls.js';
import { isConfigError } from '../../pkg/config/config-error.js';
import type { ClientTlsConfig } from '../../pkg/config/tls-config.js';
import { parseSocketOwners } from '../../pkg/config/parse-socket-owners.js';
import { createDialingTaskClient } from '../../pkg/rpc/create-dialing-task-client.js';
import { createOrchestratorDialer, processSocketTrust } from '../../pkg/rpc/create-orchestrator-dialer.js';
import { insecureWarning } from '../../pkg/rpc/insecure-warning.js';

/** The orchestrator's limit is the one that matters; the CLI's own is generous. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const RPC_TIMEOUT_MS = 10_000;

async function main(argv: readonly string[]): Promise<number> {
  let command: TaskCommand;
  try {
    command = parseTaskArgs(argv, process.env, process.cwd());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n\n${TASK_USAGE}`);
    return EXIT.USAGE;
  }
  if (command.kind === 'help') {
    process.stdout.write(TASK_USAGE);
    return EXIT.OK;
  }

  let tls: ClientTlsConfig | undefined;
  try {
    tls = command.tls === undefined ? undefined : readClientTls(command.tls);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.USAGE;
  }
  let token: string | undefined;
  try {
    token = await readClientToken(command.token, process.env, (path) => readFile(path));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT.USAGE;
  }
  if (command.insecure === true) process.stderr.write(`warning: ${insecureWarning('connection', command.addr)}\n`);

  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A Unix socket is dialled only when this user, root or TASK_TRUST_SOCKET_OWNER owns it (socket-owner-problem.ts).
  const dialer = createOrchestratorDialer(command.addr, {
    maxRecvMsgSize: MAX_MESSAGE_BYTES,
    maxSendMsgSize: MAX_MESSAGE_BYTES,
    tls,
    insecure: command.insecure,
    trust: processSocketTrust(parseSocketOwners(process.env['TASK_TRUST_SOCKET_OWNER'] ?? '')),
  });
  try {
    return await executeTaskCommand(command, {
      client: createDialingTaskClient(dialer, token === undefined ? undefined : Metadata({ [CLIENT_TOKEN_METADATA]: bearerValue(token) })),
      stdout: process.stdout,
      stderr: process.stderr,
      readFile: (path) => readFile(path),
      signal: interrupt.signal,
      rpcTimeoutMs: RPC_TIMEOUT_MS,
      env: process.env,
    });
  } finally {
    dialer.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.FAILED;
  },
);
