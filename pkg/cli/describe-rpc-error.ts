import { ClientError, Status } from 'nice-grpc-common';
import { printable } from './printable.js';

/**
 * The line to print for a failed call to the orchestrator (not a task result). A request bigger
 * than the message limit is MESSAGE_TOO_LARGE, as a task error would be. What the other side
 * said is made printable (it may quote anything).
 */
export function describeRpcError(error: unknown, addr: string): string {
  if (error instanceof ClientError) {
    const details = printable(error.details);
    switch (error.code) {
      case Status.RESOURCE_EXHAUSTED:
        return `error MESSAGE_TOO_LARGE: ${details}\n`;
      case Status.UNAVAILABLE:
        return `error: cannot reach the orchestrator at ${addr}: ${details}\n`;
      case Status.DEADLINE_EXCEEDED:
        return `error: the orchestrator at ${addr} did not answer in time: ${details}\n`;
      default:
        return `error: the orchestrator at ${addr} answered ${Status[error.code]}: ${details}\n`;
    }
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `error: the orchestrator at ${addr} did not answer in time\n`;
  }
  return `error: ${printable(error instanceof Error ? error.message : String(error))}\n`;
}
