import { ConnectionLostError, isConnectionProblem, LockTimeoutError, StatementTimeoutError } from '../../errors.js';
import type { BatchSizer } from './batch-sizer.js';
import { formatCount, formatDuration } from '../wording/format.js';

export interface RetryLimits {
  /** Attempts for a batch that hits a lock or statement timeout (halving it each time). */
  lockRetries: number;
  /** Attempts for a batch whose connection drops, with backoff from half a second. */
  connectionRetries: number;
}

/**
 * Decides whether a failed batch is tried again, how long to wait first, and how to say so.
 * A lock or statement timeout halves the batch; a dropped connection only waits. Each kind has
 * its own bounded count, reset by any batch that succeeds.
 */
export class BatchRetry {
  private lock = 0;
  private connection = 0;

  constructor(
    private readonly limits: RetryLimits,
    private readonly sizer: BatchSizer,
  ) {}

  succeeded(): void {
    this.lock = 0;
    this.connection = 0;
  }

  /** The wait before the next attempt and the words for it; rethrows when it must not be retried. */
  next(error: unknown): { waitMs: number; reason: string } {
    if (error instanceof LockTimeoutError || error instanceof StatementTimeoutError) {
      if (++this.lock > this.limits.lockRetries) throw error;
      this.sizer.shrink();
      const waitMs = Math.min(5_000, 100 * 2 ** (this.lock - 1));
      const reason = `a batch hit the ${transientProblem(error)}; retrying with batches of ${formatCount(this.sizer.rows)} rows in ${formatDuration(waitMs)} (attempt ${this.lock})`;
      return { waitMs, reason };
    }
    if (isConnectionProblem(error)) {
      if (++this.connection > this.limits.connectionRetries) throw error;
      const waitMs = Math.min(10_000, 500 * 2 ** (this.connection - 1));
      return {
        waitMs,
        reason: `the database connection dropped; retrying in ${formatDuration(waitMs)} (attempt ${this.connection})`,
      };
    }
    throw error;
  }
}

/** The failures a one-statement delete falls back from, named for people; null for any other. */
export function transientProblem(error: unknown): string | null {
  if (error instanceof LockTimeoutError) return 'lock timeout';
  if (error instanceof StatementTimeoutError) return 'statement timeout';
  if (error instanceof ConnectionLostError) return 'loss of its connection';
  return null;
}
