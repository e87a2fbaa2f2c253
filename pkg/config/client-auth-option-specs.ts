import type { OptionSpec } from './option-spec.js';
import { parseClientTokens, type ClientTokenEntry } from './parse-client-tokens.js';

/** `--client-tokens`: who may use the orchestrator's TaskService (see parse-client-tokens.ts). */
export function clientAuthOptionSpecs(): { readonly clientTokens: OptionSpec<readonly ClientTokenEntry[]> } {
  return {
    clientTokens: {
      flag: 'client-tokens',
      key: 'clientTokens',
      default: '',
      defaultText: 'none',
      metavar: 'file',
      doc:
        'YAML or JSON file of the clients allowed to use TaskService (clients: [{name, token or tokenSha256, role: client|admin}]; keep it 0600). ' +
        'With it, every TaskService call on any listener must carry "authorization: Bearer <token>" (UNAUTHENTICATED otherwise); a client sees and cancels only its own tasks, an admin every task. ' +
        'Without it: a unix socket\'s peers are the local admin, a TCP listener with --tls-client-ca identifies clients by their certificate\'s subject CN, and any other TCP listener is refused (but with --insecure).',
      parse: (raw) => parseClientTokens(raw),
    },
  };
}
