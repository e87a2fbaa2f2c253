/**
 * The worker's link to its orchestrator, named after gRPC's connectivity states:
 *   IDLE               not started
 *   CONNECTING         dialling, registering, opening the task stream
 *   READY              registered, task stream open
 *   TRANSIENT_FAILURE  the last attempt failed or the link dropped; waiting to retry (backoff)
 *   SHUTDOWN           stopped for good
 */
export type ConnectionState = 'IDLE' | 'CONNECTING' | 'READY' | 'TRANSIENT_FAILURE' | 'SHUTDOWN';
