import type { Plan } from '../plan/plan.js';
import type { ArchiveStore, ArchiveSurvey, Checkpoint } from '../ports.js';
import type { RequestLedger } from '../run-ports.js';
import { BatchLoop, type BatchSettings, type BatchWalk, type RunOptions, type RunOutcome } from '../run/batch-loop.js';
import type { PurgeRequestRecord } from '../request/request.js';
import { restoreRefusal } from './restore-text.js';

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
 * its own together with the run's position, through the same loop as a purge: the same ceiling,
 * pause, gate (Stop, Pause, the health holds) and retries. The outcome counts restored rows as
 * `deleted` (the ledger's one position) and the rows whose id is taken again as `skipped`.
 */
export async function restore(
  plan: Plan,
  purgeId: number,
  store: ArchiveStore,
  settings: BatchSettings,
  options: RunOptions,
): Promise<RunOutcome> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const position = options.resumeFrom ?? { lastId: null, deleted: 0, batches: 0 };
  const { checkpoint } = options;
  if (!checkpoint) {
    return {
      state: 'failed',
      method: 'batch',
      fallback: null,
      deleted: 0,
      batches: 0,
      durationMs: 0,
      lastId: null,
      error: new Error('a restore runs only as a recorded request'),
    };
  }
  const start = { position, deletedBefore: position.deleted, startedAt, method: 'batch' as const, fallback: null };
  return new BatchLoop(
    plan,
    archiveWalk(plan, purgeId, store, settings, checkpoint),
    settings,
    options,
    start,
    1,
  ).run();
}

/** The archive's rows of one purge, by archive id, as many a batch as the sizer's rows. */
function archiveWalk(
  plan: Plan,
  purgeId: number,
  store: ArchiveStore,
  settings: BatchSettings,
  checkpoint: Checkpoint,
): BatchWalk {
  let exhausted = false;
  const watermark = plan.watermark;
  return {
    next(position, sizer) {
      const afterId = position.lastId ?? (plan.firstId ?? 1) - 1;
      if (exhausted || watermark === null || afterId >= watermark) return null;
      return { fromId: afterId + 1, toId: watermark, expectedRows: sizer.rows };
    },
    async run({ fromId, toId }, sizer) {
      const batch = await store.restoreBatch({
        purgeId,
        afterId: fromId - 1,
        toId,
        limit: sizer.rows,
        timeouts: settings.batchTimeouts,
        checkpoint,
      });
      if (batch.seen === 0 || batch.lastArchiveId === null) {
        exhausted = true;
        return null;
      }
      return {
        rows: batch.restored,
        lastId: batch.lastArchiveId,
        span: batch.seen,
        skipped: batch.seen - batch.restored,
      };
    },
  };
}
