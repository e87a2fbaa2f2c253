import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TaskState, type TaskResult } from '../gen/agent/v1/agent.js';
import { BUILTIN_TOOL_TYPES, TOOL_TYPE_PATTERN } from '../protocol/index.js';
import type { BrokerObserver, LeaseLossDecision, ObservedTask, ObservedWorker, WorkerRemoval } from './broker-observer.js';
import { BoundedLabel, causeLabel, stateLabel } from './orchestrator-metrics-labels.js';
import type { TaskBroker } from './task-broker.js';

/** What the metrics read at scrape time rather than count as it happens. */
export interface OrchestratorMetricsSources {
  /** Unfinished tasks now: waiting for a worker, and leased to one (assigned or running). */
  readonly tasks: () => { readonly queued: number; readonly leased: number };
  /** Registered workers now. */
  readonly workers: () => readonly { readonly group: string; readonly connected: boolean }[];
}

/** The sources, read from the broker at each scrape (`broker` is asked for then: it is made after its observer). */
export function brokerMetricsSources(broker: () => Pick<TaskBroker, 'listTasks' | 'listWorkers'>): OrchestratorMetricsSources {
  return {
    tasks() {
      const open = broker().listTasks(0);
      const queued = open.filter((t) => t.state === TaskState.TASK_STATE_QUEUED).length;
      return { queued, leased: open.length - queued };
    },
    workers: () => broker().listWorkers(),
  };
}

export interface OrchestratorMetricsOptions {
  /** The process's own metrics (CPU, memory, event loop, GC, handles); on unless false. */
  readonly defaultMetrics?: boolean;
  /** Tool types besides the built-in ones that get a `tool` label of their own (those workers registered first). Default 64. */
  readonly maxCustomTools?: number;
  /** Worker groups that get a `group` label of their own (those workers registered first). Default 64. */
  readonly maxGroups?: number;
}

/** Seconds, submission to result: from an instant refusal to the longest tool timeouts and queue waits. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds from submission to the first assignment. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The orchestrator's Prometheus metrics, `baaaht_orchestrator_*`, in a registry of its own (as
 * WorkerMetrics: several orchestrators may live in one process). It is the broker's observer:
 * the broker tells it what happens; the gauges read `sources` at scrape time.
 *
 * Labels stay few whatever clients send: `tool` is a built-in tool, or a tool some worker
 * registered (at most maxCustomTools of them), else `other`; `cause` a termination cause or
 * `other`; `group` one of the first maxGroups groups workers named, else `other`.
 */
export class OrchestratorMetrics implements BrokerObserver {
  readonly registry = new Registry();
  private readonly tools: BoundedLabel;
  private readonly groups: BoundedLabel;
  private readonly submitted: Counter<'tool'>;
  private readonly finished: Counter<'tool' | 'state' | 'cause'>;
  private readonly duration: Histogram<'tool'>;
  private readonly queueWait: Histogram<'tool'>;
  private readonly leaseLosses: Counter<'tool' | 'then'>;
  private readonly retries: Counter<'tool' | 'cause'>;
  private readonly registrations: Counter<'group' | 'resumed'>;
  private readonly removals: Counter<'group' | 'reason'>;

  constructor(sources: OrchestratorMetricsSources, options: OrchestratorMetricsOptions = {}) {
    this.tools = new BoundedLabel(options.maxCustomTools ?? 64, BUILTIN_TOOL_TYPES, (t) => TOOL_TYPE_PATTERN.test(t));
    this.groups = new BoundedLabel(options.maxGroups ?? 64);
    const groups = this.groups;
    const registers = [this.registry];
    this.submitted = new Counter({
      name: 'baaaht_orchestrator_tasks_submitted_total',
      help: 'Tasks clients submitted, by tool.',
      labelNames: ['tool'],
      registers,
    });
    this.finished = new Counter({
      name: 'baaaht_orchestrator_tasks_finished_total',
      help: 'Tasks that reached a final state, by tool, final state and cause.',
      labelNames: ['tool', 'state', 'cause'],
      registers,
    });
    this.duration = new Histogram({
      name: 'baaaht_orchestrator_task_duration_seconds',
      help: 'Time from submission to the final result (queueing, retries and the run), by tool.',
      labelNames: ['tool'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'baaaht_orchestrator_queue_wait_seconds',
      help: "Time from submission to the task's first assignment to a worker, by tool.",
      labelNames: ['tool'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'baaaht_orchestrator_queued_tasks',
      help: 'Tasks waiting for a worker now.',
      registers,
      collect() {
        this.set(sources.tasks().queued);
      },
    });
    new Gauge({
      name: 'baaaht_orchestrator_leased_tasks',
      help: 'Tasks leased to a worker now (assigned or running).',
      registers,
      collect() {
        this.set(sources.tasks().leased);
      },
    });
    const workersGauge = (name: string, help: string, counts: (w: { connected: boolean }) => boolean): void => {
      new Gauge({
        name,
        help,
        labelNames: ['group'],
        registers,
        collect() {
          const byGroup = new Map<string, number>();
          for (const worker of sources.workers()) {
            const group = groups.value(worker.group);
            byGroup.set(group, (byGroup.get(group) ?? 0) + (counts(worker) ? 1 : 0));
          }
          this.reset(); // groups nobody is in any more go away
          for (const [group, count] of byGroup) this.set({ group }, count);
        },
      });
    };
    workersGauge('baaaht_orchestrator_registered_workers', 'Workers registered now, by group.', () => true);
    workersGauge('baaaht_orchestrator_connected_workers', 'Registered workers with their task stream open now, by group.', (w) => w.connected);
    this.leaseLosses = new Counter({
      name: 'baaaht_orchestrator_lease_losses_total',
      help: 'Leases taken away (worker removed, restarted or silent), by tool and what came of it (retry, fail, cancelled).',
      labelNames: ['tool', 'then'],
      registers,
    });
    this.retries = new Counter({
      name: 'baaaht_orchestrator_task_retries_total',
      help: 'Tasks queued again for another attempt, by tool and how the attempt ended (WORKER_LOST for a lost lease).',
      labelNames: ['tool', 'cause'],
      registers,
    });
    this.registrations = new Counter({
      name: 'baaaht_orchestrator_worker_registrations_total',
      help: 'Worker registrations, by group; resumed="true" for a worker taking up its registration again.',
      labelNames: ['group', 'resumed'],
      registers,
    });
    this.removals = new Counter({
      name: 'baaaht_orchestrator_worker_removals_total',
      help: 'Workers removed, by group and reason (unregistered, heartbeat_timeout).',
      labelNames: ['group', 'reason'],
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  taskSubmitted(task: ObservedTask): void {
    this.submitted.inc({ tool: this.tools.value(task.task.toolType) });
  }

  taskAssigned(task: ObservedTask, _worker: ObservedWorker, atMs: number): void {
    if (task.attempt !== 1) return;
    this.queueWait.observe({ tool: this.tools.value(task.task.toolType) }, Math.max(0, atMs - task.submittedAtMs) / 1000);
  }

  taskFinished(task: ObservedTask, result: Pick<TaskResult, 'state' | 'cause'>, atMs: number): void {
    const tool = this.tools.value(task.task.toolType);
    this.finished.inc({ tool, state: stateLabel(result.state), cause: causeLabel(result.cause) });
    this.duration.observe({ tool }, Math.max(0, atMs - task.submittedAtMs) / 1000);
  }

  leaseLost(task: ObservedTask, then: LeaseLossDecision): void {
    this.leaseLosses.inc({ tool: this.tools.value(task.task.toolType), then });
  }

  taskRequeued(task: ObservedTask, failure: Pick<TaskResult, 'cause'>): void {
    this.retries.inc({ tool: this.tools.value(task.task.toolType), cause: causeLabel(failure.cause) });
  }

  workerRegistered(worker: ObservedWorker, resumed: boolean): void {
    this.groups.admit(worker.registration.group);
    for (const tool of worker.registration.capabilities.toolTypes) this.tools.admit(tool);
    this.registrations.inc({ group: this.groups.value(worker.registration.group), resumed: String(resumed) });
  }

  workerRemoved(worker: ObservedWorker, reason: WorkerRemoval): void {
    this.removals.inc({ group: this.groups.value(worker.registration.group), reason: reason.toLowerCase() });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
