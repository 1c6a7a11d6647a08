import Bottleneck from 'bottleneck';
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
 * Paces the batches of one run. The rows-per-second ceiling is a Bottleneck `minTime` recomputed
 * for each batch (the next batch starts no sooner than rows / ceiling after this one started), from
 * the rows the batch is expected to delete: its id span times the density seen so far. So a sparse
 * status runs at the ceiling too, not at a fraction of it.
 * The pause is idle time after a batch ends, which `minTime` (start to start) cannot express.
 */
export class BatchPacer {
  /** Only with a ceiling: scheduling through Bottleneck costs about 5 ms a job in timer hops. */
  private readonly limiter: Bottleneck | null;

  constructor(private readonly settings: PaceSettings) {
    this.limiter = settings.maxRowsPerSecond > 0 ? new Bottleneck({ id: 'purge-pace', maxConcurrent: 1, minTime: 0 }) : null;
    this.limiter?.on('error', () => {
      // A failed batch rejects its own promise; the runner handles it there.
    });
  }

  async run<T>(rows: number, batch: () => Promise<T>): Promise<T> {
    if (!this.limiter) return batch();
    this.limiter.updateSettings({ minTime: Math.ceil((rows * 1_000) / this.settings.maxRowsPerSecond) });
    return this.limiter.schedule(batch);
  }

  /** Rests after a batch that took `batchMs`; resolves early (without throwing) when the run is stopped. */
  async pause(batchMs: number, signal?: AbortSignal): Promise<void> {
    const ms = Math.round(this.settings.batchPauseMs + (batchMs * this.settings.batchPausePercent) / 100);
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.limiter?.stop({ dropWaitingJobs: true });
  }
}
