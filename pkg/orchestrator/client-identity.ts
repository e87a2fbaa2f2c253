import type { ClientRole } from '../config/parse-client-tokens.js';
import { NO_OWNER } from './task-store.js';

export type { ClientRole } from '../config/parse-client-tokens.js';

/** Who makes a TaskService call, as the client authentication middleware decided. */
export interface ClientIdentity {
  /**
   * What tasks are recorded under: `token:<name>`, `cert:<cn>`, `local` (a unix socket's peer
   * without client tokens) or `anonymous` (a plaintext --insecure listener without client
   * tokens). The prefix keeps a token's name and a certificate's CN from ever being one owner.
   */
  readonly owner: string;
  /** client: its own tasks only; admin: every task, those of older stores (owned by nobody) included. */
  readonly role: ClientRole;
}

/** Whether `caller` may see, read, watch and cancel a task owned by `owner`. Pure. */
export function canAccessTask(caller: ClientIdentity, owner: string): boolean {
  if (caller.role === 'admin') return true;
  return owner !== NO_OWNER && owner === caller.owner;
}

/** The owner whose tasks ListTasks shows `caller`: undefined for every task (an admin). */
export function listedOwner(caller: ClientIdentity): string | undefined {
  return caller.role === 'admin' ? undefined : caller.owner;
}
