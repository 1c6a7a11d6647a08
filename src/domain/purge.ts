import { LockTimeoutError, StatementTimeoutError } from '../errors.js';
import { formatCount, formatDuration } from './format.js';
import { BatchPacer, type PaceSettings } from './pace.js';
import { countBatches, type Plan, type PurgeMethod } from './plan.js';
import type { Timeouts, WebhookQueue } from './ports.js';

export interface PurgeSettings extends PaceSettings {
  batchTimeouts: Timeouts;
  nativeTimeouts: Timeouts;
}

export interface PurgeProgress {
  method: PurgeMethod;
  deleted: number;
  total: number;
  percent: number;
  batchesDone: number;
  batchesTotal: number;
  rowsPerSecond: number;
  etaMs: number | null;
  elapsedMs: number;
  lastId: number | null;
}

export type PurgeEvent =
  | ({ type: 'progress' } & PurgeProgress)
  | { type: 'fallback'; reason: string };

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

/** Where an interrupted batch run left off (issue: resume after a crash). */
export interface PurgePosition {
  lastId: number | null;
  deleted: number;
  batches: number;
}

export interface PurgeOptions {
  signal?: AbortSignal;
  /** Awaited after every batch: a slow listener slows the run, so keep it cheap. */
  onEvent?: (event: PurgeEvent) => void | Promise<void>;
  resumeFrom?: PurgePosition;
  clock?: () => number;
}

/**
 * Deletes exactly what the plan describes: rows of the planned status with `id <= watermark`.
 * Never throws for a database failure: the outcome says what was deleted before it.
 */
export async function purge(plan: Plan, queue: WebhookQueue, settings: PurgeSettings, options: PurgeOptions = {}): Promise<PurgeOutcome> {
  const run = new PurgeRun(plan, queue, settings, options);
  return run.execute();
}

class PurgeRun {
  private readonly clock: () => number;
  private readonly startedAt: number;
  private readonly pacer: BatchPacer;
  private position: PurgePosition;
  private readonly resumedDeleted: number;
  private method: PurgeMethod;
  private fallback: string | null = null;

  constructor(
    private readonly plan: Plan,
    private readonly queue: WebhookQueue,
    private readonly settings: PurgeSettings,
    private readonly options: PurgeOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
    this.pacer = new BatchPacer(settings);
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

  /** True when done; false when it timed out and the run must fall back to batches. */
  private async deleteInOneStatement(): Promise<boolean> {
    const { status, watermark } = this.plan;
    if (watermark === null) return true;
    const started = this.clock();
    try {
      const deleted = await this.queue.deleteAll({ status, watermark, timeouts: this.settings.nativeTimeouts });
      this.position = { lastId: watermark, deleted, batches: 1 };
      await this.emitProgress();
      return true;
    } catch (error) {
      if (!(error instanceof StatementTimeoutError || error instanceof LockTimeoutError)) throw error;
      const limit = error instanceof LockTimeoutError ? 'lock timeout' : 'statement timeout';
      this.fallback =
        `one statement hit the ${limit} after ${formatDuration(this.clock() - started)} and was rolled back; ` +
        `continuing in batches of ${formatCount(this.plan.batchSize)}`;
      this.method = 'batch';
      await this.options.onEvent?.({ type: 'fallback', reason: this.fallback });
      return false;
    }
  }

  /** Walks the primary key in ranges of `batchSize` ids, from the first matching id to the watermark. */
  private async deleteInBatches(watermark: number): Promise<PurgeOutcome> {
    const { status, batchSize } = this.plan;
    for (let fromId = this.nextId(); fromId <= watermark; fromId = this.nextId()) {
      if (this.options.signal?.aborted) return this.finish('stopped');
      const toId = Math.min(fromId + batchSize - 1, watermark);
      const started = this.clock();
      const deleted = await this.pacer.run(batchSize, () =>
        this.queue.deleteBatch({ status, fromId, toId, timeouts: this.settings.batchTimeouts }),
      );
      this.position = { lastId: toId, deleted: this.position.deleted + deleted, batches: this.position.batches + 1 };
      await this.emitProgress();
      if (toId < watermark) await this.pacer.pause(this.clock() - started, this.options.signal);
    }
    return this.finish('completed');
  }

  private nextId(): number {
    return this.position.lastId === null ? (this.plan.firstId ?? Number.POSITIVE_INFINITY) : this.position.lastId + 1;
  }

  private async emitProgress(): Promise<void> {
    await this.options.onEvent?.({ type: 'progress', ...this.progress() });
  }

  private progress(): PurgeProgress {
    const { deleted, batches, lastId } = this.position;
    const total = Math.max(this.plan.matching, deleted);
    const elapsedMs = this.clock() - this.startedAt;
    const deletedHere = deleted - this.resumedDeleted;
    const rowsPerSecond = elapsedMs > 0 ? (deletedHere * 1_000) / elapsedMs : 0;
    const remaining = total - deleted;
    return {
      method: this.method,
      deleted,
      total,
      percent: total > 0 ? (deleted / total) * 100 : 100,
      batchesDone: batches,
      batchesTotal: this.method === 'native' ? 1 : batches + countBatches(this.nextId(), this.plan.watermark, this.plan.batchSize),
      rowsPerSecond,
      etaMs: remaining === 0 ? 0 : rowsPerSecond > 0 ? (remaining / rowsPerSecond) * 1_000 : null,
      elapsedMs,
      lastId,
    };
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
