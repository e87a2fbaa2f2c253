/**
 * The protocol's version and the rules for peers of other versions (docs/protocol.md, "Versions").
 * Versions only add: a peer speaking version n leaves out what versions above n added.
 *   1: before Register carried a version (a field that reads 0).
 *   2: protocol_version and max_receive_message_bytes at Register, CancelCommand.lease_epoch,
 *      CancelReply, output_offsets always true from the orchestrator.
 */
export const PROTOCOL_VERSION = 2;

/** The oldest version this build speaks. */
export const MIN_PROTOCOL_VERSION = 1;

/** gRPC's usual receive limit: what a peer that does not advertise one is assumed to accept. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The version a peer speaks: the field's value, 0 (a peer older than the field) meaning 1. */
export function peerProtocolVersion(advertised: number): number {
  return advertised === 0 ? 1 : advertised;
}

/**
 * The version of a registration: the smaller of ours and the peer's; undefined when the peer's
 * is below MIN_PROTOCOL_VERSION (Register then fails FAILED_PRECONDITION).
 */
export function negotiateProtocolVersion(advertised: number, ours = PROTOCOL_VERSION): number | undefined {
  const version = Math.min(ours, peerProtocolVersion(advertised));
  return version >= MIN_PROTOCOL_VERSION ? version : undefined;
}

/** The largest message a peer accepts: what it advertised, 0 (not advertised) meaning gRPC's 4 MiB. */
export function peerReceiveLimit(advertised: number): number {
  return advertised > 0 ? advertised : DEFAULT_MAX_MESSAGE_BYTES;
}
