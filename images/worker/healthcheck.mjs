// The image's HEALTHCHECK: GET /healthz of the worker's metrics server (WORKER_METRICS_ADDR,
// loopback by default) with Node's own fetch, so the image needs no curl. Exit 0 healthy, 1 not.
const addr = process.env.WORKER_METRICS_ADDR ?? '';
if (addr === '') {
  console.error('WORKER_METRICS_ADDR is empty: the worker serves no /healthz to check');
  process.exit(1);
}
// A wildcard listen address is reached on loopback.
const host = addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
try {
  const response = await fetch(`http://${host}/healthz`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) {
    console.error(`/healthz answered ${response.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`/healthz on ${host}: ${error instanceof Error ? (error.cause ?? error.message) : String(error)}`);
  process.exit(1);
}
