import { estimateBatches, firstBatchRows } from './batch-sizer.js';
import type { Plan } from '../plan/plan.js';
import type { PurgeMethod, PurgePosition, PurgeProgress } from '../ports.js';

/** The run as it stands right now; by default, as a run about to start or resume from `position`. */
interface RunSoFar {
  method: PurgeMethod;
  /** Rows the next batch aims at. */
  batchSize: number;
  elapsedMs: number;
  /** Deleted since this start or resume (the rate counts only these). */
  deletedHere: number;
  lastBatchMs: number;
  /** The rows-per-second ceiling (0: none): the first batches run before it bites, so the ETA never assumes faster. */
  maxRowsPerSecond?: number;
}

/** Progress at a position: the one derivation, for a run under way and for one about to start or resume. */
export function progressAt(plan: Plan, position: PurgePosition, run?: RunSoFar): PurgeProgress {
  const {
    method,
    batchSize,
    elapsedMs,
    deletedHere,
    lastBatchMs,
    maxRowsPerSecond = 0,
  } = run ?? {
    method: plan.method,
    batchSize: firstBatchRows(plan.batchSize),
    elapsedMs: 0,
    deletedHere: 0,
    lastBatchMs: 0,
  };
  const { deleted, batches, lastId } = position;
  const total = Math.max(plan.matching, deleted);
  const rowsPerSecond = elapsedMs > 0 ? (deletedHere * 1_000) / elapsedMs : 0;
  const remaining = total - deleted;
  const etaRate = maxRowsPerSecond > 0 ? Math.min(rowsPerSecond, maxRowsPerSecond) : rowsPerSecond;
  return {
    method,
    deleted,
    total,
    percent: total > 0 ? (deleted / total) * 100 : 100,
    batchesDone: batches,
    // An estimate: batches are sized as they go. It counts only what is left, so it never jumps back.
    batchesTotal: method === 'native' ? 1 : batches + estimateBatches(remaining, batchSize, plan.batchSize),
    batchSize,
    rowsPerSecond,
    etaMs: remaining === 0 ? 0 : etaRate > 0 ? (remaining / etaRate) * 1_000 : null,
    elapsedMs,
    lastId,
    lastBatchMs,
  };
}
