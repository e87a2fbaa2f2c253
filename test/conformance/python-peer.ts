// The Python peer's processes and the JSON they print, for python-client.test.ts and
// python-orchestrator.test.ts (#12 §3; stubs by scripts/ensure-python-peer.sh).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/processes.js';

/** Debian's interpreter: python3-grpcio and python3-protobuf are installed for it (a python3 earlier on PATH may not see them). */
export const PYTHON = '/usr/bin/python3';
export const CLIENT = join(ROOT, 'test/conformance/python/client.py');
export const ORCHESTRATOR = join(ROOT, 'test/conformance/python/orchestrator.py');
export const FAULT_TOOLS = join(ROOT, 'test/fixtures/fault-tools.yaml');
export const HELLO = 'hello from the Python peer\n';

let stubDir = '';

export interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PyProc {
  readonly exited: Promise<PyResult>;
  output(): PyResult;
  stop(): Promise<PyResult>;
}

export function startPython(script: string, args: readonly string[]): PyProc {
  const child = spawn(PYTHON, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: stubDir, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<PyResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    exited,
    output: () => ({ code: child.exitCode, stdout, stderr }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// ---- client.py's JSON ----

export interface ResultJson {
  state: string;
  cause: string;
  exit_code: number;
  worker: string;
  attempt: number;
  error?: { code: string; message: string };
  stdout_text: string;
  stderr_text: string;
  output_included: boolean;
}

export interface RunJson {
  task_id: string;
  events: { kind: string; task_id: string; stream?: string; size?: number }[];
  submitted_worker: string | null;
  running: { container_id: string; runtime: string; profile: string } | null;
  result: ResultJson | null;
  stdout: string;
  stderr: string;
}

export interface GetJson {
  task_id: string;
  state_name: string;
  finished: boolean;
  worker: string;
  tool_type: string;
  attempt: number;
  result?: ResultJson;
}

export interface WorkerJson {
  agent_id: string;
  name: string;
  connected: boolean;
  healthy: boolean;
  group: string;
  capabilities: { tool_types: string[]; max_concurrent_tasks: number };
}

export interface TaskSummaryJson {
  task_id: string;
  tool_type: string;
  state_name: string;
  worker: string;
  cause: string;
  submitted_at_ms: string;
  finished_at_ms: string;
}

export interface ErrorJson {
  error: { code: string; details: string };
}

// ---- orchestrator.py's journal ----

export interface JournalEvent {
  seq: number;
  at_ms: number;
  event: string;
  // register
  number?: number;
  request?: {
    name: string;
    boot_id: string;
    agent_id: string;
    resume_token_sent: boolean;
    resume_token_matches: boolean;
    protocol_version: number;
    max_receive_message_bytes: number;
    tool_types: string[];
  };
  answer?: { agent_id: string; resumed: boolean; resume_token_given: boolean; protocol_version: number };
  // heartbeat, hello, unregister
  agent_id?: string;
  token_ok?: boolean;
  leases?: { task_id: string; lease_epoch: number }[];
  active_task_ids?: string[];
  draining?: boolean;
  reason?: string;
  // message (from the worker) and sent (to it)
  stream?: number;
  kind?: string;
  task_id?: string;
  lease_epoch?: number;
  offset?: number | null;
  data_b64?: string;
  state?: string;
  cause?: string;
  exit_code?: number;
  error_code?: string | null;
  output_included?: boolean;
  stdout_b64?: string;
  attempt?: number;
  worker?: string;
  container_id?: string;
  profile?: string;
  outcome?: string;
  accepted?: boolean;
  waiting_for?: string;
}

/** Installs what the Python peer needs when missing and generates its stubs (scripts/ensure-python-peer.sh). */
export async function ensurePythonPeer(): Promise<void> {
  const { stdout } = await promisify(execFile)('bash', [join(ROOT, 'scripts/ensure-python-peer.sh')], { cwd: ROOT, timeout: 600_000 });
  stubDir = stdout.trim();
  assert.ok(existsSync(join(stubDir, 'agent/v1/agent_pb2_grpc.py')), `stubs generated in ${stubDir}`);
}
