import type { OptionSpec } from './option-spec.js';
import { InvalidValueError } from './invalid-value-error.js';

/** `--worker-key`: the shared secret of workers and orchestrator, the same option on both. */
export function workerKeyOptionSpecs(): { readonly workerKey: OptionSpec<string> } {
  return {
    workerKey: {
      flag: 'worker-key',
      key: 'workerKey',
      default: '',
      defaultText: 'none',
      metavar: 'secret',
      doc: 'Shared secret workers send as call metadata and the orchestrator checks (prefer the environment variable or the config file: arguments are visible to other users).',
      parse: (raw) => (raw === '' ? '' : checkWorkerKey(raw)),
    },
  };
}

/** A worker key: at least 16 printable characters. */
export function checkWorkerKey(raw: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof raw !== 'string' || raw.length < 16 || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw new InvalidValueError('a worker key must be at least 16 printable characters');
  }
  return raw;
}
