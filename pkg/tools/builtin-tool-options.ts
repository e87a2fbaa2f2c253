import type { ConfiguredToolDefinition } from './configured-tool-definition.js';
import type { ResourceLimits } from './tool-spec.js';

/** Per-tool settings an operator may change in config (`tools.overrides.<type>`). */
export interface ToolOverride {
  readonly image?: string;
  readonly limits?: Partial<ResourceLimits>;
  readonly timeoutMs?: number;
  readonly runtime?: string;
  readonly network?: string;
}

/** What the built-in tool specs are made from; compiled from config once at start. */
export interface BuiltinToolOptions {
  /** Image of the built-in tools (built by `make images`), e.g. `baaaht/tools:0.1.0`. */
  readonly image: string;
  /** Search URL for web_search; `{query}` is replaced by the URL-encoded query. */
  readonly searchUrlTemplate: string;
  /** Largest response body fetch_url and web_search download, in bytes. */
  readonly maxFetchBytes: number;
  /**
   * Largest file file_write and file_edit leave behind, in bytes (DEFAULT_MAX_WRITE_BYTES when
   * unset): a larger write fails WRITE_LIMIT and the file is left as it was. Writable mounts have
   * no disk quota of their own; this bounds what one built-in task adds.
   */
  readonly maxWriteBytes?: number;
  /**
   * Docker network the web tools join (`baaaht-egress` unless configured): the worker creates it
   * internal, so that their only way out is its egress proxy on the network's gateway.
   */
  readonly webNetwork: string;
  readonly overrides: Readonly<Record<string, ToolOverride>>;
  /**
   * The operator's own tools (`tools.custom`), registered after the built-in ones; none when
   * unset. Overrides apply to them too.
   */
  readonly custom?: readonly ConfiguredToolDefinition[];
}
