import { ClientError, Status } from 'nice-grpc-common';

/**
 * The line to print for a failed call to the orchestrator (not a task result). A request bigger
 * than the message limit is MESSAGE_TOO_LARGE, as a task error would be.
 */
export function describeRpcError(error: unknown, addr: string): string {
  if (error instanceof ClientError) {
    switch (error.code) {
      case Status.RESOURCE_EXHAUSTED:
        return `error MESSAGE_TOO_LARGE: ${error.details}\n`;
      case Status.UNAVAILABLE:
        return `error: cannot reach the orchestrator at ${addr}: ${error.details}\n`;
      case Status.DEADLINE_EXCEEDED:
        return `error: the orchestrator at ${addr} did not answer in time: ${error.details}\n`;
      default:
        return `error: the orchestrator at ${addr} answered ${Status[error.code]}: ${error.details}\n`;
    }
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `error: the orchestrator at ${addr} did not answer in time\n`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}\n`;
}
