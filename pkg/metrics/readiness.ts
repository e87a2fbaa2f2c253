/** What /readyz answers: 200, or 503 with the reason. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };
