import { ServerError, Status, type CallContext, type ServerMiddlewareCall } from 'nice-grpc-common';
import { CLIENT_TOKEN_METADATA, tokenFromMetadata } from '../rpc/client-token.js';
import type { ClientIdentity } from './client-identity.js';
import type { ClientTokens } from './client-tokens.js';
import { PEER_CERTIFICATE_CN_METADATA } from './peer-certificate-interceptor.js';

/** What a TaskService handler learns of its caller. */
export interface ClientAuthContext {
  readonly client: ClientIdentity;
}

/**
 * How the callers of TaskService are authenticated on this orchestrator, decided once from the
 * configuration (clientAuthMode):
 * - `tokens`: --client-tokens is set; every call on every listener must carry a known token.
 * - `certificate`: a TCP listener with --tls-client-ca and no tokens; the TLS handshake has
 *   verified the client's certificate against that CA, and its subject CN names the client.
 * - `local-socket`: a unix socket and no tokens. Trusted as the local admin because only
 *   processes the socket's file mode allows (0600: the orchestrator's user; 0660 with
 *   --socket-group: that group) can connect at all: they could as well read the task database.
 * - `insecure`: plaintext TCP (--insecure, testing only) and no tokens. Nobody is
 *   authenticated; every caller is the one anonymous admin, as the operator declared.
 */
export type ClientAuthMode =
  | { readonly kind: 'tokens'; readonly tokens: ClientTokens }
  | { readonly kind: 'certificate' }
  | { readonly kind: 'local-socket' }
  | { readonly kind: 'insecure' };

export function clientAuthMode(input: {
  readonly tokens: ClientTokens;
  readonly unixSocket: boolean;
  readonly clientCertificates: boolean;
  readonly insecure: boolean;
}): ClientAuthMode {
  if (input.tokens.required) return { kind: 'tokens', tokens: input.tokens };
  if (input.unixSocket) return { kind: 'local-socket' };
  if (input.clientCertificates) return { kind: 'certificate' };
  if (input.insecure) return { kind: 'insecure' };
  throw new Error('a TCP listener needs client tokens, client certificates (a client CA) or insecure: it would accept anonymous clients');
}

export const LOCAL_ADMIN: ClientIdentity = Object.freeze({ owner: 'local', role: 'admin' });
export const ANONYMOUS_ADMIN: ClientIdentity = Object.freeze({ owner: 'anonymous', role: 'admin' });

/**
 * Who makes a call, from what it presented: its identity, or why it is refused. Pure.
 * `certificateCn` is what the peer-certificate interceptor found in the TLS session.
 */
export function identifyClient(
  mode: ClientAuthMode,
  presented: { readonly authorization: string | undefined; readonly certificateCn: string | undefined },
): ClientIdentity | { readonly refused: string } {
  switch (mode.kind) {
    case 'tokens': {
      const identity = mode.tokens.identify(tokenFromMetadata(presented.authorization));
      if (identity !== undefined) return identity;
      return {
        refused:
          presented.authorization === undefined
            ? 'this orchestrator requires a client token ("authorization: Bearer <token>"; task --token-file or BAAAHT_TOKEN)'
            : 'the client token is not valid',
      };
    }
    case 'certificate':
      if (presented.certificateCn === undefined) return { refused: 'the client certificate has no usable subject CN to name the client' };
      return { owner: `cert:${presented.certificateCn}`, role: 'client' };
    case 'local-socket':
      return LOCAL_ADMIN;
    case 'insecure':
      return ANONYMOUS_ADMIN;
  }
}

/**
 * Authenticates every call of the service it is attached to (TaskService): the handler runs
 * with `context.client`, or the call fails UNAUTHENTICATED before any handler runs.
 */
export function createClientAuthMiddleware(mode: ClientAuthMode) {
  return async function* clientAuthMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response, ClientAuthContext>,
    context: CallContext,
  ): AsyncGenerator<Response, Response | void, undefined> {
    const client = identifyClient(mode, {
      authorization: context.metadata.get(CLIENT_TOKEN_METADATA),
      certificateCn: context.metadata.get(PEER_CERTIFICATE_CN_METADATA),
    });
    if ('refused' in client) throw new ServerError(Status.UNAUTHENTICATED, client.refused);
    return yield* call.next(call.request, { ...context, client });
  };
}
