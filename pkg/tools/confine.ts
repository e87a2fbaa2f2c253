/**
 * Exit code of the tool image's workspace guard (`baaaht-fs`) when a path leaves the workspace
 * through a link: a symbolic link in any component, or a regular file with more than one hard
 * link. Its stderr then says `baaaht-fs: PATH_ESCAPE: ...`; the task fails PATH_ESCAPE.
 */
export const GUARD_ESCAPE_EXIT = 3;

/**
 * Exit code of `baaaht-fs write`/`edit` when the file would grow past BAAAHT_MAX_WRITE_BYTES
 * (stderr `baaaht-fs: WRITE_LIMIT: ...`; the file is left as it was): the task fails WRITE_LIMIT.
 */
export const GUARD_WRITE_LIMIT_EXIT = 4;

/** The environment variable that carries the write cap into the tool container. */
export const WRITE_LIMIT_ENV = 'BAAAHT_MAX_WRITE_BYTES';

/** The write cap when the options name none: 32 MiB per file a built-in tool writes. */
export const DEFAULT_MAX_WRITE_BYTES = 32 * 1024 * 1024;

/**
 * The argv prefix that runs a search tool under the tool image's workspace guard:
 * `baaaht-fs confine PATH CMD ...` refuses (stderr `baaaht-fs: PATH_ESCAPE: ...`, exit 3) when a
 * component of PATH below /workspace is a symbolic link, or PATH is a regular file with more than
 * one hard link, and otherwise runs CMD in its place. PATH is a result of resolveWorkspacePath.
 */
export function confine(target: string): readonly string[] {
  return ['baaaht-fs', 'confine', target];
}
