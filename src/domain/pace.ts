import Bottleneck from 'bottleneck';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PaceSettings {
  /** Ceiling on deletion speed; 0 means as fast as the database allows. */
  maxRowsPerSecond: number;
  /** Idle time after each batch, so autovacuum, replicas and the app's own writes get the table. */
  batchPauseMs: number;
}

/**
 * Paces the batches of one run. The rows-per-second ceiling is a Bottleneck `minTime` recomputed
 * for each batch's size (the next batch starts no sooner than rows / ceiling after this one started).
 * The pause is idle time after a batch ends, which `minTime` (start to start) cannot express.
 */
export class BatchPacer {
  private readonly limiter: Bottleneck;

  constructor(private readonly settings: PaceSettings) {
    this.limiter = new Bottleneck({ id: 'purge-pace', maxConcurrent: 1, minTime: 0 });
    this.limiter.on('error', () => {
      // A failed batch rejects its own promise; the runner handles it there.
    });
  }

  async run<T>(rows: number, batch: () => Promise<T>): Promise<T> {
    const { maxRowsPerSecond } = this.settings;
    const minTime = maxRowsPerSecond > 0 ? Math.ceil((rows * 1_000) / maxRowsPerSecond) : 0;
    this.limiter.updateSettings({ minTime });
    return this.limiter.schedule(batch);
  }

  /** Resolves after the pause, or early (without throwing) when the run is stopped. */
  async pause(signal?: AbortSignal): Promise<void> {
    if (this.settings.batchPauseMs <= 0) return;
    await sleep(this.settings.batchPauseMs, undefined, { signal }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true });
  }
}
