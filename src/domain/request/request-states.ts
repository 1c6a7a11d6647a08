/**
 * The life of a purge request in the ledger. The ledger row is the only source of truth: any
 * replica can act on any click by reading and conditionally updating it.
 *
 *   awaiting_approval -> approved -> running -> succeeded | failed | stopped | interrupted
 *   awaiting_approval -> cancelled | expired
 *   approved -> cancelled (a queued request)
 *   interrupted | failed | stopped -> running (resume)
 */
export const REQUEST_STATES = [
  'awaiting_approval',
  'approved',
  'running',
  'succeeded',
  'failed',
  'stopped',
  'interrupted',
  'cancelled',
  'expired',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** A state as words: "awaiting approval". */
export function stateWords(state: RequestState): string {
  return state.replace('_', ' ');
}
