import { BatchRetry } from '../run/batch-retry.js';
import { BatchSizer } from '../run/batch-sizer.js';
import type { Plan } from '../plan/plan.js';
import type { Checkpoint, PurgePosition, Timeouts } from '../ports.js';
import type { PurgeOptions, PurgeOutcome, PurgeSettings } from '../run/purge.js';
import { progressAt } from '../run/progress.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PurgeRequestRecord } from '../request/request.js';
import { restoreRefusal } from './restore-text.js';
import type { RequestLedger } from '../run-ports.js';

/** What an archived purge left restorable. */
export interface ArchiveSurvey {
  /** Archived rows still waiting to come back. */
  rows: number;
  /** Their archive ids, the restore's own key: it walks them in order. */
  firstArchiveId: number | null;
  lastArchiveId: number | null;
  /** The webhook ids they had, and how many of those ids are taken again now (skipped on restore). */
  minRowId: number | null;
  maxRowId: number | null;
  taken: number;
  /** When the oldest of them expires (archived, plus the days the purge's preview promised). */
  expiresAt: Date | null;
}

export interface RestoreBatchRequest {
  /** The archived purge whose rows come back. */
  purgeId: number;
  /** Archive ids after this one, at most `toId`, at most `limit` of them. */
  afterId: number;
  toId: number;
  limit: number;
  timeouts: Timeouts;
  checkpoint: Checkpoint;
}

export interface RestoredBatch {
  /** Archived rows the batch looked at. */
  seen: number;
  /** Of those, rows inserted back (the rest had their id taken again, and stay in the archive). */
  restored: number;
  lastArchiveId: number | null;
}

/** The archive, as a restore and the janitor see it. */
export interface ArchiveStore {
  survey(purgeId: number): Promise<ArchiveSurvey>;
  /** Inserts a batch of archived rows back with their original ids, and removes them from the archive; commits with the run's position. */
  restoreBatch(request: RestoreBatchRequest): Promise<RestoredBatch>;
  /** Deletes at most `limit` archived rows past their keeping time; returns how many. */
  expire(limit: number): Promise<number>;
}

/** Request `purgeId` and what its archive still holds, or, in one sentence, why it cannot be restored. */
export async function surveyRestore(
  ledger: Pick<RequestLedger, 'get'>,
  archive: Pick<ArchiveStore, 'survey'>,
  purgeId: number,
): Promise<{ purge: PurgeRequestRecord; survey: ArchiveSurvey } | { refusal: string }> {
  const purge = await ledger.get(purgeId);
  const survey =
    purge && purge.kind === 'purge' && purge.plan.undo.kind === 'archive' ? await archive.survey(purgeId) : null;
  const refusal = restoreRefusal(purgeId, purge, survey);
  return refusal === null && purge && survey
    ? { purge, survey }
    : { refusal: refusal ?? `request #${purgeId} is not in the ledger.` };
}

/**
 * The plan a restore is approved on: the archive ids of an archived purge, walked in order. `matching`
 * counts the rows, `firstId` and `watermark` bound the archive ids; the rest is the purge's.
 */
export function restorePlan(purge: Plan, survey: ArchiveSurvey, now: Date): Plan {
  return {
    ...purge,
    matching: survey.rows,
    firstId: survey.firstArchiveId,
    watermark: survey.lastArchiveId,
    snapshot: null,
    cutoff: null,
    kept: 0,
    limit: null,
    overCap: null,
    method: 'batch',
    methodReason: 'a restore inserts archived rows back in batches',
    batchSize: Math.min(purge.batchSize, RESTORE_BATCH_ROWS),
    batches: Math.ceil(survey.rows / RESTORE_BATCH_ROWS),
    estimatedMs: Math.round((survey.rows / 50_000) * 1_000),
    plannedAt: now,
    undo: { kind: 'none', forbidden: false },
  };
}

/** Rows a restore batch takes: inserting jsonb back costs more than deleting, so batches stay smaller. */
export const RESTORE_BATCH_ROWS = 5_000;

/**
 * Brings an archived purge's rows back in batches, in archive order, each batch in a transaction of
 * its own together with the run's position, so it can be stopped and resumed like a purge. The
 * outcome counts restored rows as `deleted` (the ledger's one position); skipped rows are the store's.
 */
export async function restore(
  plan: Plan,
  purgeId: number,
  store: ArchiveStore,
  settings: PurgeSettings,
  options: PurgeOptions,
): Promise<PurgeOutcome & { skipped: number }> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const checkpoint = options.checkpoint;
  let position: PurgePosition = options.resumeFrom ?? { lastId: null, deleted: 0, batches: 0 };
  const resumed = position.deleted;
  let skipped = 0;
  const sizer = new BatchSizer({
    max: plan.batchSize,
    min: Math.min(settings.minBatchSize, plan.batchSize),
    targetMs: settings.targetBatchMs,
    density: 1,
  });
  const retry = new BatchRetry(settings, sizer);
  const finish = (state: PurgeOutcome['state'], error: Error | null = null) => ({
    state,
    method: 'batch' as const,
    fallback: null,
    deleted: position.deleted,
    batches: position.batches,
    durationMs: clock() - startedAt,
    lastId: position.lastId,
    error,
    skipped,
  });
  if (!checkpoint) return finish('failed', new Error('a restore runs only as a recorded request'));
  try {
    while (plan.watermark !== null && (position.lastId ?? (plan.firstId ?? 1) - 1) < plan.watermark) {
      await options.gate?.();
      if (options.signal?.aborted) return finish('stopped');
      const started = clock();
      let batch: RestoredBatch;
      try {
        batch = await store.restoreBatch({
          purgeId,
          afterId: position.lastId ?? (plan.firstId ?? 1) - 1,
          toId: plan.watermark,
          limit: sizer.rows,
          timeouts: settings.batchTimeouts,
          checkpoint,
        });
      } catch (error) {
        const { waitMs, reason } = retry.next(error);
        await options.onEvent?.({ type: 'retry', reason });
        await sleep(waitMs, undefined, { signal: options.signal }).catch(() => undefined);
        continue;
      }
      retry.succeeded();
      if (batch.seen === 0 || batch.lastArchiveId === null) break;
      const lastBatchMs = clock() - started;
      skipped += batch.seen - batch.restored;
      position = {
        lastId: batch.lastArchiveId,
        deleted: position.deleted + batch.restored,
        batches: position.batches + 1,
      };
      sizer.record(batch.seen, batch.seen, lastBatchMs);
      await options.onEvent?.({
        type: 'progress',
        ...progressAt({ ...plan, matching: plan.matching - skipped }, position, {
          method: 'batch',
          batchSize: sizer.rows,
          elapsedMs: clock() - startedAt,
          deletedHere: position.deleted - resumed,
          lastBatchMs,
          maxRowsPerSecond: settings.maxRowsPerSecond,
        }),
      });
    }
    return finish('completed');
  } catch (error) {
    return finish('failed', error instanceof Error ? error : new Error(String(error)));
  }
}
