/**
 * What is logged (WARN) at every start with --insecure: plaintext TCP, no encryption, nobody
 * authenticated. `side` says whose end it is.
 */
export function insecureWarning(side: 'listener' | 'connection', address: string): string {
  const what = side === 'listener' ? `listening on ${address}` : `connecting to ${address}`;
  return (
    `INSECURE: ${what} over plaintext TCP (--insecure): nothing is encrypted or authenticated, anyone on the network path ` +
    'can read and change tasks, results and the worker key. For testing only; use TLS ' +
    '(orchestrator --tls-cert/--tls-key[/--tls-client-ca], clients --ca-cert[/--cert/--key])'
  );
}
