import type { OptionSpec } from './option-spec.js';
import { parseMetricsAddr } from './parse-metrics-addr.js';

/** `--metrics-addr`, the same option on worker and orchestrator; `example` is a typical address, `more` ends the help. */
export function metricsOptionSpecs(example: string, more = ''): { readonly metricsAddr: OptionSpec<string> } {
  return {
    metricsAddr: {
      flag: 'metrics-addr',
      key: 'metricsAddr',
      default: '',
      defaultText: 'off',
      metavar: 'host:port',
      doc: `Serve /healthz, /readyz and Prometheus /metrics over HTTP on this address (e.g. ${example}); empty: off.${more}`,
      parse: (raw) => parseMetricsAddr(raw),
    },
  };
}
