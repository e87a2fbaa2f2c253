import type Dockerode from 'dockerode';
import { LABELS, MANAGED_BY } from './container-labels.js';
import { isOrphanContainer, type OrphanReason } from './is-orphan-container.js';

export interface ContainerReaperOptions {
  readonly docker: Dockerode;
  readonly workerId: string;
  readonly bootId: string;
  readonly deadlineMarginMs: number;
  readonly engineCallTimeoutMs: number;
  /** Task ids running in this process right now. */
  readonly activeTaskIds: () => ReadonlySet<string>;
  /** Warm pool slots this process holds now (see WarmPool.liveSlots); none without a pool. */
  readonly livePoolSlots?: () => ReadonlySet<string>;
  readonly now?: () => number;
}

export interface ReapedContainer {
  readonly id: string;
  readonly taskId: string;
  readonly reason: OrphanReason;
}

/** Removes managed containers that no running task owns (see isOrphanContainer). */
export class ContainerReaper {
  constructor(private readonly options: ContainerReaperOptions) {}

  /** One sweep; resolves with what it removed. Removal errors are collected, not thrown. */
  async reapOnce(): Promise<{ removed: ReapedContainer[]; failed: Array<{ id: string; error: unknown }> }> {
    const { docker, engineCallTimeoutMs } = this.options;
    const now = this.options.now ?? Date.now;
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managedBy}=${MANAGED_BY}`] },
      abortSignal: AbortSignal.timeout(engineCallTimeoutMs),
    } as Dockerode.ContainerListOptions);
    const check = {
      workerId: this.options.workerId,
      bootId: this.options.bootId,
      nowMs: now(),
      deadlineMarginMs: this.options.deadlineMarginMs,
      activeTaskIds: this.options.activeTaskIds(),
      ...(this.options.livePoolSlots ? { livePoolSlots: this.options.livePoolSlots() } : {}),
    };
    const removed: ReapedContainer[] = [];
    const failed: Array<{ id: string; error: unknown }> = [];
    for (const info of containers) {
      const reason = isOrphanContainer(info.Labels ?? {}, check);
      if (!reason) continue;
      try {
        await docker.getContainer(info.Id).remove({ force: true, v: true, abortSignal: AbortSignal.timeout(engineCallTimeoutMs) });
        removed.push({ id: info.Id, taskId: info.Labels?.[LABELS.taskId] ?? '', reason });
      } catch (error) {
        // 404: gone meanwhile; 409: its removal is already in progress (the runner removes in the background).
        const status = (error as { statusCode?: number }).statusCode;
        if (status !== 404 && status !== 409) failed.push({ id: info.Id, error });
      }
    }
    return { removed, failed };
  }
}
