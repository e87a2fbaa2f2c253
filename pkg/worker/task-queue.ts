/**
 * At most `limit` jobs at once, the rest waiting in order. A waiting job can be withdrawn.
 */
export class TaskQueue {
  private readonly waiting: Array<{ id: string; start: () => Promise<void> }> = [];
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
      const start = async (): Promise<void> => {
        this.active++;
        try {
          resolve(await job());
        } catch (error) {
          reject(error);
        } finally {
          // Freed before the caller's continuation runs, also when job() throws synchronously.
          this.active--;
          void this.waiting.shift()?.start();
        }
      };
      if (this.active < this.limit) void start();
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
