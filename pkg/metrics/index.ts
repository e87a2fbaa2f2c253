// The HTTP side of --metrics-addr, shared by the worker and the orchestrator.
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export type { Readiness } from './readiness.js';
