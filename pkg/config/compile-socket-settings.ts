import { ConfigError } from './config-error.js';
import { resolveGroup } from './resolve-group.js';

/**
 * The unix socket's mode and group from --socket-mode (undefined: not given) and --socket-group
 * ('' : none): without a group the mode defaults to 0600, with one it is 0660 (an explicit 0600
 * contradicts it). A group name is resolved to its gid now; an unknown one is a ConfigError. A
 * group with a TCP listener is an error too (there is no socket file to give it).
 */
export function compileSocketSettings(
  listen: string,
  mode: number | undefined,
  group: string,
): { readonly socketMode: number; readonly socketGroup?: number } {
  if (group === '') return { socketMode: mode ?? 0o600 };
  if (!listen.startsWith('unix:')) {
    throw new ConfigError(`--socket-group applies to unix sockets only: --listen ${listen} is a TCP address (drop --socket-group)`, {
      option: '--socket-group',
    });
  }
  if (mode !== undefined && mode !== 0o660) {
    throw new ConfigError(
      `--socket-mode 0${mode.toString(8)} contradicts --socket-group ${group}: a group socket is 0660 (drop --socket-mode or set it to 0660)`,
      { option: '--socket-mode' },
    );
  }
  const gid = resolveGroup(group);
  if (gid === undefined) {
    throw new ConfigError(`invalid value for --socket-group: there is no group ${JSON.stringify(group)} on this host (see getent group)`, {
      option: '--socket-group',
    });
  }
  return { socketMode: 0o660, socketGroup: gid };
}
