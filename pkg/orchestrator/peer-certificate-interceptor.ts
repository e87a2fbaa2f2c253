import { ServerInterceptingCall, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';

/**
 * Metadata under which the server itself passes the subject CN of a verified client
 * certificate from the TLS layer to the middleware (nice-grpc's call context exposes metadata,
 * not the TLS session). A value a peer sends under this key is always removed first: only this
 * interceptor writes it.
 */
export const PEER_CERTIFICATE_CN_METADATA = 'x-baaaht-internal-peer-certificate-cn';

/** A CN that can travel as a metadata value; others (empty, several CNs, non-ASCII) give no identity. */
const PRINTABLE_ASCII = /^[\x20-\x7e]{1,256}$/;

/**
 * A grpc-js server interceptor that replaces PEER_CERTIFICATE_CN_METADATA with the subject CN
 * of the certificate the peer presented in the TLS handshake, if any (one CN, not empty). Whether
 * the certificate was verified is the listener's business: it is only trusted as an identity
 * when the listener requires client certificates signed by --tls-client-ca (see
 * client-auth-middleware.ts).
 */
export function createPeerCertificateInterceptor(): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata: Metadata, mdNext: (metadata: Metadata) => void) {
            metadata.remove(PEER_CERTIFICATE_CN_METADATA);
            const cn = call.getAuthContext().sslPeerCertificate?.subject?.CN;
            if (typeof cn === 'string' && PRINTABLE_ASCII.test(cn)) metadata.set(PEER_CERTIFICATE_CN_METADATA, cn);
            mdNext(metadata);
          },
        });
      },
    });
}
