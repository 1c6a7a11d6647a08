import { setTimeout as sleep } from 'node:timers/promises';
import { BatchRetry, transientProblem, type RetryLimits } from './batch-retry.js';
import { BatchSizer } from './batch-sizer.js';
import { progressAt } from './progress.js';
import { formatCount, formatDuration } from '../wording/format.js';
import { BatchPacer, type PaceSettings } from './batch-pacer.js';
import type { Plan } from '../plan/plan.js';
import type { Checkpoint, PurgeMethod, PurgePosition, PurgeProgress, Timeouts, WebhookQueue } from '../ports.js';

export interface PurgeSettings extends PaceSettings, RetryLimits {
  batchTimeouts: Timeouts;
  nativeTimeouts: Timeouts;
  /** Each batch aims at this duration: faster ones grow the next (never above --batch-size), slower ones shrink it. */
  targetBatchMs: number;
  minBatchSize: number;
}

export type PurgeEvent =
  | ({ type: 'progress' } & PurgeProgress)
  | { type: 'fallback'; reason: string }
  | { type: 'retry'; reason: string }
  | { type: 'resized'; reason: string };

export interface PurgeOutcome {
  state: 'completed' | 'stopped' | 'failed';
  /** The method that did the deleting: 'batch' after a fallback from 'native'. */
  method: PurgeMethod;
  fallback: string | null;
  deleted: number;
  batches: number;
  durationMs: number;
  lastId: number | null;
  error: Error | null;
}

export interface PurgeOptions {
  signal?: AbortSignal;
  /** Awaited after every batch: a slow listener slows the run, so keep it cheap. */
  onEvent?: (event: PurgeEvent) => void | Promise<void>;
  /** Awaited before every batch: may wait (a pause, an unhealthy database) or abort the signal. */
  gate?: () => Promise<void>;
  resumeFrom?: PurgePosition;
  /** Commits each batch together with the run's position in the ledger. */
  checkpoint?: Checkpoint;
  clock?: () => number;
}

/**
 * Deletes exactly what the plan describes: rows of the planned status with `id <= watermark`.
 * Never throws for a database failure: the outcome says what was deleted before it.
 */
export async function purge(
  plan: Plan,
  queue: WebhookQueue,
  settings: PurgeSettings,
  options: PurgeOptions = {},
): Promise<PurgeOutcome> {
  const run = new PurgeRun(plan, queue, settings, options);
  return run.execute();
}

class PurgeRun {
  private readonly clock: () => number;
  private readonly startedAt: number;
  private readonly pacer: BatchPacer;
  private readonly sizer: BatchSizer;
  private position: PurgePosition;
  private readonly resumedDeleted: number;
  private method: PurgeMethod;
  private fallback: string | null = null;
  private lastBatchMs: number | null = null;

  constructor(
    private readonly plan: Plan,
    private readonly queue: WebhookQueue,
    private readonly settings: PurgeSettings,
    private readonly options: PurgeOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
    this.pacer = new BatchPacer(settings);
    this.sizer = new BatchSizer({
      max: plan.batchSize,
      min: Math.min(settings.minBatchSize, plan.batchSize),
      targetMs: settings.targetBatchMs,
      density: planDensity(plan),
    });
    this.position = options.resumeFrom ?? { lastId: null, deleted: 0, batches: 0 };
    this.resumedDeleted = this.position.deleted;
    this.method = options.resumeFrom ? 'batch' : plan.method;
  }

  async execute(): Promise<PurgeOutcome> {
    try {
      if (this.plan.watermark === null || this.plan.matching === 0) return this.finish('completed');
      if (this.method === 'native' && (await this.deleteInOneStatement())) return this.finish('completed');
      return await this.deleteInBatches(this.plan.watermark);
    } catch (error) {
      return this.finish('failed', error instanceof Error ? error : new Error(String(error)));
    } finally {
      await this.pacer.close();
    }
  }

  /** True when done; false when it must fall back to batches (timeout, lock or lost connection). */
  private async deleteInOneStatement(): Promise<boolean> {
    const { status, watermark } = this.plan;
    if (watermark === null) return true;
    await this.options.gate?.();
    if (this.options.signal?.aborted) return false;
    const started = this.clock();
    try {
      const deleted = await this.queue.deleteAll({
        status,
        watermark,
        snapshot: this.plan.snapshot,
        cutoff: this.plan.cutoff,
        timeouts: this.settings.nativeTimeouts,
        checkpoint: this.options.checkpoint,
      });
      this.lastBatchMs = this.clock() - started;
      this.position = { lastId: watermark, deleted, batches: 1 };
      await this.emitProgress();
      return true;
    } catch (error) {
      const what = transientProblem(error);
      if (!what) throw error;
      this.fallback =
        `one statement hit the ${what} after ${formatDuration(this.clock() - started)} and was rolled back; ` +
        `continuing in batches of ${formatCount(this.plan.batchSize)}`;
      this.method = 'batch';
      await this.options.onEvent?.({ type: 'fallback', reason: this.fallback });
      return false;
    }
  }

  /** Walks the primary key in id ranges sized to hold about the sizer's rows, from the first matching id to the watermark. */
  private async deleteInBatches(watermark: number): Promise<PurgeOutcome> {
    const { signal } = this.options;
    const retry = new BatchRetry(this.settings, this.sizer);
    // After a batch, the gate for the next one runs during the pause (see `rest`).
    let gated = false;
    for (let fromId = this.nextId(); fromId <= watermark; fromId = this.nextId()) {
      const toId = this.sizer.lastId(fromId, watermark);
      // The ceiling's wait comes first, and a Stop ends it; the gate then reads Stop and Pause afresh.
      const waited = await this.pacer.turn(this.expectedRows(fromId, toId), signal);
      if (!gated || waited) await this.options.gate?.();
      gated = false;
      if (signal?.aborted) return this.finish('stopped');
      // Timed from when the database work starts: a wait for the pace's turn is not a slow database.
      const started = this.clock();
      let deleted: number;
      try {
        deleted = await this.queue.deleteBatch({
          status: this.plan.status,
          fromId,
          toId,
          snapshot: this.plan.snapshot,
          cutoff: this.plan.cutoff,
          timeouts: this.settings.batchTimeouts,
          checkpoint: this.options.checkpoint,
        });
      } catch (error) {
        const { waitMs, reason } = retry.next(error);
        await this.options.onEvent?.({ type: 'retry', reason });
        await sleep(waitMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      retry.succeeded();
      this.lastBatchMs = this.clock() - started;
      this.position = { lastId: toId, deleted: this.position.deleted + deleted, batches: this.position.batches + 1 };
      const resized = this.sizer.record(toId - fromId + 1, deleted, this.lastBatchMs);
      if (resized) await this.options.onEvent?.({ type: 'resized', reason: resized });
      await this.emitProgress();
      if (toId < watermark) {
        await this.rest(this.lastBatchMs);
        gated = true;
      }
    }
    return this.finish('completed');
  }

  /**
   * The pause after a batch, and the gate before the next one, at once: the gate's reads (Stop,
   * Pause, the health probes) are a few catalog queries, so they need not wait for the database's
   * rest, nor lengthen it. A hold or a Pause still waits for as long as it lasts.
   */
  private async rest(batchMs: number): Promise<void> {
    await Promise.all([this.pacer.pause(batchMs, this.options.signal), this.options.gate?.()]);
  }

  /** Rows a batch over these ids should find: the density of matching rows so far (at first, the plan's). */
  private expectedRows(fromId: number, toId: number): number {
    const { firstId, watermark, matching } = this.plan;
    const covered = this.position.lastId === null || firstId === null ? 0 : this.position.lastId - firstId + 1;
    const density =
      covered > 0
        ? this.position.deleted / covered
        : firstId !== null && watermark !== null
          ? matching / (watermark - firstId + 1)
          : 1;
    return Math.max(1, Math.round((toId - fromId + 1) * Math.min(1, density)));
  }

  private nextId(): number {
    return nextId(this.plan, this.position);
  }

  private async emitProgress(): Promise<void> {
    await this.options.onEvent?.({ type: 'progress', ...this.progress() });
  }

  private progress(): PurgeProgress {
    return progressAt(this.plan, this.position, {
      method: this.method,
      batchSize: this.sizer.rows,
      elapsedMs: this.clock() - this.startedAt,
      deletedHere: this.position.deleted - this.resumedDeleted,
      lastBatchMs: this.lastBatchMs ?? 0,
      maxRowsPerSecond: this.settings.maxRowsPerSecond,
    });
  }

  private finish(state: PurgeOutcome['state'], error: Error | null = null): PurgeOutcome {
    return {
      state,
      method: this.method,
      fallback: this.fallback,
      deleted: this.position.deleted,
      batches: this.position.batches,
      durationMs: this.clock() - this.startedAt,
      lastId: this.position.lastId,
      error,
    };
  }
}

/** Matching rows per id across the plan's key range. */
function planDensity({ matching, firstId, watermark }: Plan): number {
  return firstId !== null && watermark !== null && watermark >= firstId ? matching / (watermark - firstId + 1) : 1;
}

/** Where the next batch starts. */
function nextId(plan: Plan, position: PurgePosition): number {
  return position.lastId === null ? (plan.firstId ?? Number.POSITIVE_INFINITY) : position.lastId + 1;
}
