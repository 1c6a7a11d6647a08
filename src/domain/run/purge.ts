import { transientProblem } from './batch-retry.js';
import {
  BatchLoop,
  type BatchSettings,
  type BatchWalk,
  type LoopStart,
  type RunOptions,
  type RunOutcome,
} from './batch-loop.js';
import { progressAt } from './progress.js';
import { formatCount, formatDuration } from '../wording/format.js';
import type { Plan } from '../plan/plan.js';
import type { PurgePosition, WebhookQueue } from '../ports.js';

/**
 * Deletes exactly what the plan describes: rows of the planned status with `id <= watermark`, that
 * the plan's snapshot saw, in one statement (falling back to batches when it times out or waits too
 * long for a lock) or in batches. Never throws for a database failure: the outcome says what was
 * deleted before it.
 */
export async function purge(
  plan: Plan,
  queue: WebhookQueue,
  settings: BatchSettings,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const position = options.resumeFrom ?? { lastId: null, deleted: 0, batches: 0 };
  const start: LoopStart = {
    position,
    deletedBefore: position.deleted,
    startedAt,
    method: plan.method,
    fallback: null,
  };
  if (plan.watermark === null || plan.matching === 0) {
    return {
      state: 'completed',
      method: plan.method,
      fallback: null,
      deleted: 0,
      batches: 0,
      durationMs: 0,
      lastId: null,
      error: null,
    };
  }
  if (plan.method === 'native' && !options.resumeFrom) {
    const native = await deleteInOneStatement(plan, queue, settings, options, startedAt);
    if ('state' in native) return native;
    start.fallback = native.fallback;
  }
  const loop = new BatchLoop(
    plan,
    idWalk(plan, queue, settings, options),
    settings,
    options,
    { ...start, method: 'batch' },
    planDensity(plan),
  );
  return loop.run();
}

/**
 * One statement for every matching row up to the watermark. Done, or, after a lock or statement
 * timeout or a lost connection (rolled back), the reason to fall back to batches.
 */
async function deleteInOneStatement(
  plan: Plan,
  queue: WebhookQueue,
  settings: BatchSettings,
  options: RunOptions,
  startedAt: number,
): Promise<RunOutcome | { fallback: string }> {
  const clock = options.clock ?? Date.now;
  const { status, watermark } = plan;
  const outcome = (state: RunOutcome['state'], deleted: number, error: Error | null = null): RunOutcome => ({
    state,
    method: 'native',
    fallback: null,
    deleted,
    batches: deleted > 0 || state === 'completed' ? 1 : 0,
    durationMs: clock() - startedAt,
    lastId: state === 'completed' ? watermark : null,
    error,
  });
  try {
    await options.gate?.();
    if (options.signal?.aborted) return outcome('stopped', 0);
    const started = clock();
    try {
      const deleted = await queue.deleteAll({
        status,
        watermark: watermark ?? 0,
        snapshot: plan.snapshot,
        cutoff: plan.cutoff,
        timeouts: settings.nativeTimeouts,
        checkpoint: options.checkpoint,
      });
      const position: PurgePosition = { lastId: watermark, deleted, batches: 1 };
      const elapsedMs = clock() - started;
      await options.onEvent?.({
        type: 'progress',
        ...progressAt(plan, position, {
          method: 'native',
          batchSize: plan.batchSize,
          elapsedMs,
          deletedHere: deleted,
          lastBatchMs: elapsedMs,
        }),
      });
      return outcome('completed', deleted);
    } catch (error) {
      const what = transientProblem(error);
      if (!what) throw error;
      const fallback =
        `one statement hit the ${what} after ${formatDuration(clock() - started)} and was rolled back; ` +
        `continuing in batches of ${formatCount(plan.batchSize)}`;
      await options.onEvent?.({ type: 'fallback', reason: fallback });
      return { fallback };
    }
  } catch (error) {
    return outcome('failed', 0, error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The table's ids, from the first matching one to the watermark, in ranges sized to hold about the
 * sizer's rows (its target over the density of matching rows seen so far).
 */
function idWalk(plan: Plan, queue: WebhookQueue, settings: BatchSettings, options: RunOptions): BatchWalk {
  const watermark = plan.watermark ?? 0;
  return {
    next(position, sizer) {
      const fromId = position.lastId === null ? (plan.firstId ?? Number.POSITIVE_INFINITY) : position.lastId + 1;
      if (fromId > watermark) return null;
      const toId = sizer.lastId(fromId, watermark);
      return { fromId, toId, expectedRows: expectedRows(plan, position, fromId, toId) };
    },
    async run({ fromId, toId }) {
      const rows = await queue.deleteBatch({
        status: plan.status,
        fromId,
        toId,
        snapshot: plan.snapshot,
        cutoff: plan.cutoff,
        timeouts: settings.batchTimeouts,
        checkpoint: options.checkpoint,
      });
      return { rows, lastId: toId, span: toId - fromId + 1 };
    },
  };
}

/** Rows a batch over these ids should find: the density of matching rows so far (at first, the plan's). */
function expectedRows(plan: Plan, position: PurgePosition, fromId: number, toId: number): number {
  const { firstId, watermark, matching } = plan;
  const covered = position.lastId === null || firstId === null ? 0 : position.lastId - firstId + 1;
  const density =
    covered > 0
      ? position.deleted / covered
      : firstId !== null && watermark !== null
        ? matching / (watermark - firstId + 1)
        : 1;
  return Math.max(1, Math.round((toId - fromId + 1) * Math.min(1, density)));
}

/** Matching rows per id across the plan's key range. */
function planDensity({ matching, firstId, watermark }: Plan): number {
  return firstId !== null && watermark !== null && watermark >= firstId ? matching / (watermark - firstId + 1) : 1;
}
