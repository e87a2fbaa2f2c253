/**
 * At most `limit` jobs at once, the rest waiting in order. A waiting job can be withdrawn.
 */
export class TaskQueue {
  private readonly waiting: Array<{ id: string; start: () => void }> = [];
  private active = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`task queue limit must be a positive integer, got ${limit}`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `job` when a slot is free; resolves with its result. */
  run<T>(id: string, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.active++;
        job()
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.waiting.shift()?.start();
          });
      };
      if (this.active < this.limit) start();
      else this.waiting.push({ id, start });
    });
  }

  /** Removes a job that has not started; false when it is running or unknown. */
  withdraw(id: string): boolean {
    const index = this.waiting.findIndex((entry) => entry.id === id);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }
}
