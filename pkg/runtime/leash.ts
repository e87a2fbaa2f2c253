/**
 * The dead-man's switch of a task's container: images labelled `io.baaaht.leash=1` (the built-in
 * tools image) carry images/tools/baaaht-leash, and their containers run the task's command under
 * it, with stdin attached (OpenStdin, StdinOnce). The worker writes `<N>\n` and the N bytes of the
 * task's stdin, and keeps the stream open for the rest of the run. When the worker process dies,
 * killed or not, its attach connection closes, the engine closes the container's stdin, and the
 * leash kills the tool's process group within a few hundred milliseconds: no task's process
 * outlives its worker, whether or not another worker runs on the engine. The leash is two
 * processes (itself and its stdin watcher), counted in the container's PID limit like its init.
 */
export const LEASH_LABEL = 'io.baaaht.leash';
export const LEASH_PROTOCOL = '1';
/** Where the leash is in such an image. */
export const LEASH_PATH = '/usr/local/bin/baaaht-leash';

/** The header the leash reads before the task's stdin: its length in bytes. Pure. */
export function leashHeader(stdinBytes: number): Buffer {
  return Buffer.from(`${stdinBytes}\n`, 'ascii');
}
