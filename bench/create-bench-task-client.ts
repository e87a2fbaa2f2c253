// Ours: an in-process TaskService client (nice-grpc) of the real orchestrator over its Unix socket.
import { createClient, type Channel } from 'nice-grpc';
import { OutputStream, Task, TaskServiceDefinition, TaskState, type TaskResult, type WorkerInfo } from '../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../pkg/rpc/create-channel.js';

export interface TaskRunReport {
  readonly taskId: string;
  readonly result: TaskResult;
  /** Output bytes that reached this client as `output` events (the result's own copy not counted). */
  readonly streamedStdoutBytes: number;
  readonly streamedStderrBytes: number;
  /** From the call to the first output event (ms); null without output. */
  readonly firstOutputMs: number | null;
}

export interface RunOptions {
  /** A worker's name: the task goes to that worker only. */
  readonly worker?: string;
  readonly signal?: AbortSignal;
  /** Called with the size of each output chunk as it arrives. */
  readonly onOutput?: (bytes: number) => void;
}

export interface BenchTaskClient {
  run(task: Parameters<typeof Task.fromPartial>[0], options?: RunOptions): Promise<TaskRunReport>;
  /** Like run, but throws unless the task completed with exit 0. */
  runOk(task: Parameters<typeof Task.fromPartial>[0], options?: RunOptions): Promise<TaskRunReport>;
  listWorkers(signal?: AbortSignal): Promise<WorkerInfo[]>;
  close(): void;
}

export function createBenchTaskClient(address: string): BenchTaskClient {
  // No limit on what is received: the 1 GiB measurement must see whatever the path sends.
  const channel: Channel = createGrpcChannel(address, { maxRecvMsgSize: -1, maxSendMsgSize: 64 << 20 });
  const client = createClient(TaskServiceDefinition, channel);
  const run: BenchTaskClient['run'] = async (task, options = {}) => {
    const started = performance.now();
    let taskId = '';
    let streamedStdoutBytes = 0;
    let streamedStderrBytes = 0;
    let firstOutputMs: number | null = null;
    const request = { task: Task.fromPartial(task), worker: options.worker ?? '' };
    for await (const event of client.runTask(request, options.signal ? { signal: options.signal } : {})) {
      taskId = event.taskId || taskId;
      const e = event.event;
      if (e?.$case === 'output') {
        firstOutputMs ??= performance.now() - started;
        if (e.output.stream === OutputStream.OUTPUT_STREAM_STDOUT) streamedStdoutBytes += e.output.data.length;
        else streamedStderrBytes += e.output.data.length;
        options.onOutput?.(e.output.data.length);
      } else if (e?.$case === 'result') {
        return { taskId, result: e.result, streamedStdoutBytes, streamedStderrBytes, firstOutputMs };
      }
    }
    throw new Error(`task ${taskId || '(not submitted)'} ended without a result`);
  };
  return {
    run,
    async runOk(task, options) {
      const report = await run(task, options);
      const { result } = report;
      if (result.state !== TaskState.TASK_STATE_COMPLETED || result.exitCode !== 0) {
        throw new Error(`${task.toolType} ended ${TaskState[result.state]} exit ${result.exitCode} ${result.error?.code ?? ''} ${result.error?.message ?? ''}`.trim());
      }
      return report;
    },
    async listWorkers(signal) {
      return (await client.listWorkers({}, signal ? { signal } : {})).workers;
    },
    close: () => channel.close(),
  };
}
