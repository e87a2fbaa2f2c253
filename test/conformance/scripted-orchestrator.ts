/**
 * An orchestrator scripted by a conformance test: a plain nice-grpc AgentService on a temporary
 * Unix socket, as a third party would write one from the proto, recording every call and
 * message of the worker under test and sending only what the test tells it to. Nothing of
 * pkg/orchestrator is used.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, ServerError, Status, type CallContext, type Server } from 'nice-grpc';
import { createAsyncQueue } from '../../pkg/async/async-queue.js';
import {
  AgentServiceDefinition,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type OrchestratorMessage,
  type RegisterRequest,
  type RegisterResponse,
  type UnregisterRequest,
  type WorkerMessage,
} from '../../pkg/gen/agent/v1/agent.js';

export const AGENT_TOKEN_HEADER = 'x-baaaht-agent-token';

/** A call as the scripted orchestrator saw it, with the agent token it carried ('' without). */
export interface Seen<T> {
  readonly request: T;
  readonly token: string;
  readonly at: number;
}

export interface ScriptedStream {
  readonly index: number;
  readonly token: string;
  /** Every message the worker sent on this stream, in order. */
  readonly messages: WorkerMessage[];
  send(message: OrchestratorMessage): void;
  /** Ends the stream from the orchestrator's side (status OK). */
  end(): void;
  /** Fails the stream with a status, as a crashing or refusing orchestrator would. */
  fail(status?: Status, details?: string): void;
  readonly closed: Promise<void>;
}

export interface ScriptedOrchestrator {
  readonly dir: string;
  readonly socketPath: string;
  /** `unix:///...`: what the worker's --orchestrator-addr takes. */
  readonly address: string;
  readonly registrations: Array<Seen<RegisterRequest>>;
  readonly heartbeats: Array<Seen<HeartbeatRequest>>;
  readonly unregisters: Array<Seen<UnregisterRequest>>;
  readonly streams: ScriptedStream[];
  /** Every message on every stream, in order, with its stream's index. */
  readonly received: Array<{ readonly stream: number; readonly message: WorkerMessage }>;
  /** What Register answers (merged over the defaults); change it at any time. */
  registerResponse: Partial<RegisterResponse>;
  /** What Heartbeat answers; change it at any time. */
  heartbeatResponse: (request: HeartbeatRequest) => HeartbeatResponse;
  /** Called for each message as it arrives (after it is recorded). */
  onMessage: (message: WorkerMessage, stream: ScriptedStream) => void;
  close(): Promise<void>;
}

export const TEST_AGENT_ID = 'agent-conformance-1';
export const TEST_RESUME_TOKEN = 'resume-token-of-agent-conformance-1';

function tokenOf(context: CallContext): string {
  return context.metadata.get(AGENT_TOKEN_HEADER) ?? '';
}

export interface ScriptedOrchestratorOptions {
  /** Its gRPC receive limit, enforced by gRPC (default: gRPC's 4 MiB). */
  readonly maxReceiveMessageBytes?: number;
}

export async function startScriptedOrchestrator(options: ScriptedOrchestratorOptions = {}): Promise<ScriptedOrchestrator> {
  const dir = await mkdtemp(join(tmpdir(), 'baaaht-conf-'));
  const socketPath = join(dir, 'orchestrator.sock');
  const server: Server = createServer(
    options.maxReceiveMessageBytes === undefined ? {} : { 'grpc.max_receive_message_length': options.maxReceiveMessageBytes },
  );
  const streamClosers: Array<() => void> = [];
  const me: ScriptedOrchestrator = {
    dir,
    socketPath,
    address: `unix://${socketPath}`,
    registrations: [],
    heartbeats: [],
    unregisters: [],
    streams: [],
    received: [],
    registerResponse: {},
    heartbeatResponse: () => ({ known: true, revoked: [] }),
    onMessage: () => undefined,
    async close() {
      for (const close of streamClosers) close();
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };

  server.add(AgentServiceDefinition, {
    async register(request, context) {
      me.registrations.push({ request, token: tokenOf(context), at: Date.now() });
      return {
        agentId: TEST_AGENT_ID,
        heartbeatIntervalMs: 1000,
        resumed: request.agentId === TEST_AGENT_ID,
        outputOffsets: true,
        resumeToken: TEST_RESUME_TOKEN,
        protocolVersion: 2,
        maxReceiveMessageBytes: 4 * 1024 * 1024,
        ...me.registerResponse,
      };
    },
    async unregister(request, context) {
      me.unregisters.push({ request, token: tokenOf(context), at: Date.now() });
      return {};
    },
    async heartbeat(request, context) {
      me.heartbeats.push({ request, token: tokenOf(context), at: Date.now() });
      return me.heartbeatResponse(request);
    },
    async *taskStream(requests, context) {
      const outgoing = createAsyncQueue<OrchestratorMessage>();
      let failure: ServerError | undefined;
      let markClosed: () => void = () => undefined;
      const closed = new Promise<void>((resolve) => (markClosed = resolve));
      const stream: ScriptedStream = {
        index: me.streams.length,
        token: tokenOf(context),
        messages: [],
        send: (message) => outgoing.push(message),
        end: () => outgoing.end(),
        fail: (status = Status.UNAVAILABLE, details = 'scripted failure') => {
          failure = new ServerError(status, details);
          outgoing.end();
        },
        closed,
      };
      me.streams.push(stream);
      streamClosers.push(() => outgoing.end());
      void (async () => {
        for await (const message of requests) {
          stream.messages.push(message);
          me.received.push({ stream: stream.index, message });
          me.onMessage(message, stream);
        }
      })().catch(() => undefined);
      try {
        for await (const message of outgoing.consume(context.signal)) yield message;
        if (failure) throw failure;
      } finally {
        markClosed();
      }
    },
  });
  await server.listen(`unix://${socketPath}`);
  return me;
}

/** Resolves with the first value `check` returns that is not undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
