/**
 * Exit code of the tool image's workspace guard (`baaaht-fs`) when a path leaves the workspace
 * through a link: a symbolic link in any component, or a regular file with more than one hard
 * link. Its stderr then says `baaaht-fs: PATH_ESCAPE: ...`; the task fails PATH_ESCAPE.
 */
export const GUARD_ESCAPE_EXIT = 3;

/**
 * The argv prefix that runs a search tool under the tool image's workspace guard:
 * `baaaht-fs confine PATH CMD ...` refuses (stderr `baaaht-fs: PATH_ESCAPE: ...`, exit 3) when a
 * component of PATH below /workspace is a symbolic link, or PATH is a regular file with more than
 * one hard link, and otherwise runs CMD in its place. PATH is a result of resolveWorkspacePath.
 */
export function confine(target: string): readonly string[] {
  return ['baaaht-fs', 'confine', target];
}
