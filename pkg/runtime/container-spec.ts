/** Everything needed to create one task's container. Built by the worker, run by the runner. */
export interface ContainerSpec {
  readonly image: string;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir: string;
  /** `uid:gid`, never root. */
  readonly user: string;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Host directory bound at `target`; read-only unless `writable`. `source` is where the worker
   * pinned the judged directory (see MountPinner), `identity` that directory's `dev:ino` and
   * `origin` the real path it was judged at (to pin it again, for the warm pool).
   */
  readonly mount?: {
    readonly source: string;
    readonly target: string;
    readonly writable: boolean;
    readonly identity: string;
    readonly origin: string;
  };
  /** Docker network mode: `none`, `bridge`, or a network name. */
  readonly network: string;
  readonly limits: { readonly cpus: number; readonly memoryBytes: number; readonly pids: number };
  /** OCI runtime; undefined uses the engine's default. */
  readonly runtime?: string;
  /** Written to the container's stdin after start, then stdin is closed. */
  readonly stdin?: Uint8Array;
}

/** Size of the noexec tmpfs every container gets at /tmp. */
export const TMPFS_BYTES = 16 * 1024 * 1024;
