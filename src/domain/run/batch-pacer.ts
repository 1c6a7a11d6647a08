import Bottleneck from 'bottleneck';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PaceSettings {
  /** Ceiling on deletion speed; 0 means as fast as the database allows. */
  maxRowsPerSecond: number;
  /** Fixed idle time after each batch. */
  batchPauseMs: number;
  /**
   * Idle time after each batch as a share of that batch's own duration (pt-archiver's --sleep-coef):
   * the busier the database, the longer the pause, so autovacuum, replicas and the app keep up.
   */
  batchPausePercent: number;
}

/**
 * Paces the batches of one run. The rows-per-second ceiling is a token bucket of rows (Bottleneck's
 * reservoir): it starts empty and fills at the ceiling's rate, and a batch starts once the bucket
 * holds the rows it is expected to delete (its id span times the density seen so far, so a sparse
 * status runs at the ceiling too). So a run is never faster than the ceiling, even at its first
 * batches. The bucket holds at most the waiting batch's rows (and a tenth of a second's), so a long
 * Pause saves up no more than that one batch.
 * The pause is idle time after a batch ends, which a bucket cannot express.
 */
export class BatchPacer {
  /** Only with a ceiling: scheduling through Bottleneck costs about 5 ms a job in timer hops. */
  private readonly limiter: Bottleneck | null;
  /** Rows added to the bucket at each of Bottleneck's heartbeats. */
  private readonly refill: number;

  constructor(private readonly settings: PaceSettings) {
    const perSecond = settings.maxRowsPerSecond;
    // About ten refills a second, each of a whole number of rows, at the ceiling's rate. Bottleneck
    // refills on its heartbeat timer, at most once a beat, so each beat is one refill (a late beat
    // makes the run slower, never faster).
    this.refill = Math.max(1, Math.round(perSecond / 10));
    this.limiter =
      perSecond > 0
        ? new Bottleneck({
            // One batch at a time by construction (the run awaits each); a job's weight counts
            // against maxConcurrent, so it is not set.
            id: 'purge-pace',
            reservoir: 0,
            heartbeatInterval: Math.max(1, Math.round((this.refill * 1_000) / perSecond)),
            reservoirIncreaseAmount: this.refill,
            reservoirIncreaseInterval: 1,
          })
        : null;
    this.limiter?.on('error', () => {
      // A failed batch rejects its own promise; the runner handles it there.
    });
  }

  /**
   * Waits until the bucket holds `rows` rows, and takes them. Resolves early when `signal` aborts (a
   * Stop). True when there is a ceiling, so the caller's earlier checks may be stale by now.
   */
  async turn(rows: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.limiter) return false;
    const weight = Math.max(1, Math.round(rows));
    // Rows saved up during a Pause or a hold beyond this batch's are dropped. (Not as the bucket's
    // maximum: Bottleneck's updateSettings stops the heartbeat that refills it.)
    const saved = (await this.limiter.currentReservoir()) ?? 0;
    if (saved > weight + this.refill) await this.limiter.incrementReservoir(weight + this.refill - saved);
    // A turn still queued when the run ends is dropped by close().
    const taken = this.limiter.schedule({ weight }, () => Promise.resolve()).catch(() => undefined);
    if (!signal) await taken;
    else if (!signal.aborted) {
      const settled = new AbortController();
      await Promise.race([taken, once(signal, 'abort', { signal: settled.signal }).catch(() => undefined)]);
      settled.abort();
    }
    return true;
  }

  /** How long the rest after a batch that took `batchMs` lasts. */
  pauseMs(batchMs: number): number {
    return Math.round(this.settings.batchPauseMs + (batchMs * this.settings.batchPausePercent) / 100);
  }

  /** Rests after a batch that took `batchMs`; resolves early (without throwing) when the run is stopped. */
  async pause(batchMs: number, signal?: AbortSignal): Promise<void> {
    const ms = this.pauseMs(batchMs);
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.limiter?.stop({ dropWaitingJobs: true });
  }
}
