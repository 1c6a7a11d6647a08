import { setTimeout as sleep } from 'node:timers/promises';
import type { Plan } from '../plan/plan.js';
import type { Checkpoint, PurgeMethod, PurgePosition, PurgeProgress, Timeouts } from '../ports.js';
import { BatchPacer, type PaceSettings } from './batch-pacer.js';
import { BatchRetry, type RetryLimits } from './batch-retry.js';
import { BatchSizer } from './batch-sizer.js';
import { progressAt } from './progress.js';

/** How a run's batches are sized, paced and retried: the same for a purge and a restore. */
export interface BatchSettings extends PaceSettings, RetryLimits {
  batchTimeouts: Timeouts;
  nativeTimeouts: Timeouts;
  /** Each batch aims at this duration: faster ones grow the next (never above --batch-size), slower ones shrink it. */
  targetBatchMs: number;
  minBatchSize: number;
}

export type RunEvent =
  | ({ type: 'progress' } & PurgeProgress)
  | { type: 'fallback'; reason: string }
  | { type: 'retry'; reason: string }
  | { type: 'resized'; reason: string };

/** How a run of batches ended, and where it stood. */
export interface RunOutcome {
  state: 'completed' | 'stopped' | 'failed';
  /** The method that did the work: 'batch' after a fallback from 'native'. */
  method: PurgeMethod;
  fallback: string | null;
  /** Rows deleted (a purge) or put back (a restore). */
  deleted: number;
  batches: number;
  durationMs: number;
  lastId: number | null;
  error: Error | null;
  /** A restore's rows left in the archive because their id was taken again. */
  skipped?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Awaited after every batch: a slow listener slows the run, so keep it cheap. */
  onEvent?: (event: RunEvent) => void | Promise<void>;
  /** Awaited before every batch: may wait (a pause, an unhealthy database) or abort the signal. */
  gate?: () => Promise<void>;
  resumeFrom?: PurgePosition;
  /** Commits each batch together with the run's position in the ledger. */
  checkpoint?: Checkpoint;
  clock?: () => number;
}

/** The next batch of a walk: where it starts and ends, and how many rows it should take. */
export interface NextBatch {
  fromId: number;
  toId: number;
  expectedRows: number;
}

/** What one batch did. */
export interface BatchDone {
  /** Rows deleted (or put back). */
  rows: number;
  /** The last key it covered: where the next one starts after. */
  lastId: number;
  /** Keys it covered (a range of ids, or the archive rows it looked at). */
  span: number;
  /** Rows it looked at but left (a restore's ids taken again). */
  skipped?: number;
}

/**
 * A walk over a run's keys, one batch at a time: the purge walks the table's ids, a restore the
 * archive's. The loop around it (pacing, the gate, retries, position, progress) is `runBatches`.
 */
export interface BatchWalk {
  /** The next batch after `position`, or null when the walk is done. */
  next(position: PurgePosition, sizer: BatchSizer): NextBatch | null;
  /** Runs one batch in a transaction of its own (committed with the run's position). */
  run(batch: NextBatch, sizer: BatchSizer): Promise<BatchDone | null>;
}

/** What the loop starts from: a fresh run, or one resumed, or one that fell back from one statement. */
export interface LoopStart {
  position: PurgePosition;
  /** Rows counted before this start (a resume's): the rate counts only this start's. */
  deletedBefore: number;
  startedAt: number;
  method: PurgeMethod;
  fallback: string | null;
}

/**
 * The one batch loop of every run, purge or restore: waits for the ceiling's turn, passes the gate
 * (Stop, Pause, the health holds), runs the batch, retries a lock or statement timeout (smaller) or
 * a lost connection (later), records the batch's size and pace, reports progress, and rests. The
 * rate it reports leaves out the time the run was paused or held. Never throws for a database
 * failure: the outcome says what was done before it.
 */
export class BatchLoop {
  private readonly clock: () => number;
  private readonly pacer: BatchPacer;
  readonly sizer: BatchSizer;
  private position: PurgePosition;
  private skipped = 0;
  private lastBatchMs = 0;
  /** Time the gate held the run (paused, or held for the database's health): not deleting time. */
  private heldMs = 0;

  constructor(
    private readonly plan: Plan,
    private readonly walk: BatchWalk,
    private readonly settings: BatchSettings,
    private readonly options: RunOptions,
    private readonly start: LoopStart,
    density: number,
  ) {
    this.clock = options.clock ?? Date.now;
    this.pacer = new BatchPacer(settings);
    this.sizer = new BatchSizer({
      max: plan.batchSize,
      min: Math.min(settings.minBatchSize, plan.batchSize),
      targetMs: settings.targetBatchMs,
      density,
    });
    this.position = start.position;
  }

  async run(): Promise<RunOutcome> {
    try {
      return await this.loop();
    } catch (error) {
      return this.finish('failed', error instanceof Error ? error : new Error(String(error)));
    } finally {
      await this.pacer.close();
    }
  }

  private async loop(): Promise<RunOutcome> {
    const { signal } = this.options;
    const retry = new BatchRetry(this.settings, this.sizer);
    // After a batch, the gate for the next one runs during the pause (see `rest`).
    let gated = false;
    for (let next = this.walk.next(this.position, this.sizer); next; next = this.walk.next(this.position, this.sizer)) {
      // The ceiling's wait comes first, and a Stop ends it; the gate then reads Stop and Pause afresh.
      const waited = await this.pacer.turn(next.expectedRows, signal);
      if (!gated || waited) await this.gate();
      gated = false;
      if (signal?.aborted) return this.finish('stopped');
      // Timed from when the database work starts: a wait for the pace's turn is not a slow database.
      const started = this.clock();
      let done: BatchDone | null;
      try {
        done = await this.walk.run(next, this.sizer);
      } catch (error) {
        const { waitMs, reason } = retry.next(error);
        await this.options.onEvent?.({ type: 'retry', reason });
        await sleep(waitMs, undefined, { signal }).catch(() => undefined);
        continue;
      }
      retry.succeeded();
      if (!done) break;
      this.lastBatchMs = this.clock() - started;
      this.skipped += done.skipped ?? 0;
      this.position = {
        lastId: done.lastId,
        deleted: this.position.deleted + done.rows,
        batches: this.position.batches + 1,
      };
      const resized = this.sizer.record(done.span, done.rows + (done.skipped ?? 0), this.lastBatchMs);
      if (resized) await this.options.onEvent?.({ type: 'resized', reason: resized });
      await this.options.onEvent?.({ type: 'progress', ...this.progress() });
      if (this.walk.next(this.position, this.sizer)) {
        await this.rest(this.lastBatchMs);
        gated = true;
      }
    }
    return this.finish('completed');
  }

  /** The gate, timed: how long it held the run is left out of the rate. */
  private async gate(): Promise<void> {
    const started = this.clock();
    await this.options.gate?.();
    this.heldMs += this.clock() - started;
  }

  /**
   * The pause after a batch, and the gate before the next one, at once: the gate's reads (Stop,
   * Pause, the health probes) are a few catalog queries, so they need not wait for the database's
   * rest, nor lengthen it. A hold or a Pause still waits for as long as it lasts, and that part is
   * left out of the rate.
   */
  private async rest(batchMs: number): Promise<void> {
    const started = this.clock();
    const pauseMs = this.pacer.pauseMs(batchMs);
    await Promise.all([this.pacer.pause(batchMs, this.options.signal), this.options.gate?.()]);
    this.heldMs += Math.max(0, this.clock() - started - pauseMs);
  }

  private progress(): PurgeProgress {
    const plan = this.skipped > 0 ? { ...this.plan, matching: this.plan.matching - this.skipped } : this.plan;
    return progressAt(plan, this.position, {
      method: 'batch',
      batchSize: this.sizer.rows,
      elapsedMs: Math.max(1, this.clock() - this.start.startedAt - this.heldMs),
      deletedHere: this.position.deleted - this.start.deletedBefore,
      lastBatchMs: this.lastBatchMs,
      maxRowsPerSecond: this.settings.maxRowsPerSecond,
    });
  }

  private finish(state: RunOutcome['state'], error: Error | null = null): RunOutcome {
    return {
      state,
      method: this.start.method,
      fallback: this.start.fallback,
      deleted: this.position.deleted,
      batches: this.position.batches,
      durationMs: this.clock() - this.start.startedAt,
      lastId: this.position.lastId,
      error,
      ...(this.skipped > 0 ? { skipped: this.skipped } : {}),
    };
  }
}
