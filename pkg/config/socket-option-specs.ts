import { InvalidValueError, showValue } from './invalid-value-error.js';
import type { OptionSpec } from './option-spec.js';
import { parseSocketMode } from './parse-socket-mode.js';

/** A group name (as useradd allows) or a numeric gid. */
const GROUP = /^(?:\d{1,10}|[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?)$/;

/**
 * `--socket-mode` and `--socket-group` of the orchestrator's unix socket. The mode's default
 * depends on the group (0600 without, 0660 with); compileSocketSettings resolves the group
 * and checks the two together.
 */
export function socketOptionSpecs() {
  return {
    socketMode: {
      flag: 'socket-mode',
      key: 'socketMode',
      default: '',
      defaultText: '0600, or 0660 with --socket-group',
      metavar: 'mode',
      doc:
        'Permissions of the Unix socket, in octal: 0600 (owner only) or 0660 (owner and group: the --socket-group, else the ' +
        "group the file is created with, the process's or a setgid directory's). Modes open to other users are refused.",
      parse: (raw: unknown): number | undefined => (raw === '' ? undefined : parseSocketMode(raw)),
    },
    socketGroup: {
      flag: 'socket-group',
      key: 'socketGroup',
      default: '',
      defaultText: 'none',
      metavar: 'group',
      doc:
        'Group (name or gid) that may connect to the Unix socket: the socket is chowned to it and made 0660, and a socket ' +
        'directory the orchestrator creates is 0750 with that group. The orchestrator must run as root or as a member of it.',
      parse: (raw: unknown): string => {
        if (raw === '') return '';
        const text = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
        if (typeof text !== 'string' || !GROUP.test(text)) {
          throw new InvalidValueError(`${showValue(raw)} is not a group name or numeric gid`);
        }
        return text;
      },
    },
  } satisfies Record<string, OptionSpec<unknown>>;
}
