import Bottleneck from 'bottleneck';
import { BusyError } from '../../src/errors.js';

/**
 * Previews (and dry runs) scan the whole production table: not Slack's limit but ours, so a few
 * engineers typing during an incident cannot saturate the database.
 */
export interface PreviewLimitSettings {
  /** Previews one user may ask for per minute; one at a time. */
  perUserPerMinute: number;
  /** Previews that may wait on the census in flight; more get "busy, try again". */
  waitingOnCensus: number;
  /** How long a dry run may reuse a finished census. */
  censusReuseMs: number;
}

export const PREVIEW_LIMITS: PreviewLimitSettings = { perUserPerMinute: 6, waitingOnCensus: 50, censusReuseMs: 5_000 };

/**
 * Every preview and dry run needs a census of the whole table, so each user's are rationed
 * (Bottleneck): one at a time and a few a minute. Past that the request is refused at once with a
 * coded error, and nothing is touched. (Previews of different users share one census: see
 * SharedCensus.)
 */
export class PreviewLimits {
  private readonly perUser: Bottleneck.Group;

  constructor(settings: PreviewLimitSettings) {
    this.perUser = new Bottleneck.Group({
      maxConcurrent: 1,
      reservoir: settings.perUserPerMinute,
      reservoirRefreshAmount: settings.perUserPerMinute,
      reservoirRefreshInterval: 60_000,
      // Nothing waits: a second preview while one is being made, or one over the minute's share, is refused.
      highWater: 0,
      strategy: Bottleneck.strategy.OVERFLOW,
    });
    this.perUser.on('created', (limiter) => limiter.on('error', () => undefined));
  }

  async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await this.perUser.key(userId).schedule(work);
    } catch (error) {
      if (error instanceof Bottleneck.BottleneckError && /dropped/i.test(error.message)) {
        throw new BusyError(
          'You asked for several previews in a short time: wait a minute, or use the one already posted.',
        );
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.perUser.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: true }))).catch(
      () => undefined,
    );
  }
}
