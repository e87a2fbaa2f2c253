/** What /readyz answers: 200 (with a warning, e.g. a low disk), or 503 with the reason. */
export type Readiness = { readonly ready: true; readonly warning?: string } | { readonly ready: false; readonly reason: string };
