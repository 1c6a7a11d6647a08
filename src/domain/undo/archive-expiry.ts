import type { ArchiveStore } from '../ports.js';
import type { RequestLedger } from '../run-ports.js';

/** Rows deleted per expiry statement, and statements per janitor turn: small, so it never competes with a run. */
export const EXPIRY_BATCH = 1_000;
export const EXPIRY_BATCHES_PER_TURN = 20;

/**
 * The janitor's archive chore: removes archived rows past their keeping time in small batches, and
 * not at all while a purge or a restore runs on the table (the run has the database's attention).
 * Returns how many it removed.
 */
export async function expireArchives(
  archive: Pick<ArchiveStore, 'expire'>,
  ledger: Pick<RequestLedger, 'running'>,
): Promise<number> {
  let removed = 0;
  for (let turn = 0; turn < EXPIRY_BATCHES_PER_TURN; turn++) {
    if (await ledger.running()) return removed;
    const batch = await archive.expire(EXPIRY_BATCH);
    removed += batch;
    if (batch < EXPIRY_BATCH) return removed;
  }
  return removed;
}
