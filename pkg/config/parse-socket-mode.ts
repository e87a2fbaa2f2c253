import { InvalidValueError, showValue } from './invalid-value-error.js';

/**
 * The permission bits of a Unix socket file, written in octal: `"0600"`, `"600"`, `"0o660"`.
 * Numbers are accepted as YAML gives them: an unquoted `0600` loads as 600, `0o600` as 384.
 * The owner must be able to read and write (or nobody could connect), and a mode that lets
 * other users in is refused: the socket accepts tasks that run containers. Only 0600 and 0660
 * remain (connecting needs write permission, so 0640 would be 0600 in effect); the listener
 * (pkg/orchestrator/unix-socket.ts) allows the same two.
 */
export function parseSocketMode(raw: unknown): number {
  let mode: number;
  if (typeof raw === 'string' && /^(?:0o?)?[0-7]{3,4}$/i.test(raw)) {
    mode = Number.parseInt(raw.replace(/^0o/i, ''), 8);
  } else if (typeof raw === 'number' && Number.isInteger(raw) && /^[0-7]{3,4}$/.test(String(raw)) && raw >= 600) {
    mode = Number.parseInt(String(raw), 8);
  } else if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 0o7777) {
    mode = raw;
  } else {
    throw new InvalidValueError(`${showValue(raw)} is not an octal file mode (e.g. 0600, 0660)`);
  }
  const octal = `0${mode.toString(8)}`;
  if (mode > 0o777) throw new InvalidValueError(`${showValue(raw)} sets special bits (${octal}); use 0600 or 0660`);
  if ((mode & 0o007) !== 0) {
    throw new InvalidValueError(`${showValue(raw)} gives other users access (${octal}); use 0600 or 0660`);
  }
  if ((mode & 0o600) !== 0o600) {
    throw new InvalidValueError(`${showValue(raw)} does not let the owner read and write (${octal}); use 0600 or 0660`);
  }
  if (mode !== 0o600 && mode !== 0o660) {
    // Connecting takes write permission: a group gets read and write (0660) or nothing (0600).
    throw new InvalidValueError(`${showValue(raw)} is neither 0600 nor 0660 (${octal}): a group may connect (0660) or not (0600)`);
  }
  return mode;
}
