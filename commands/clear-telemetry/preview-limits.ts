import Bottleneck from 'bottleneck';
import type { PreviewLimitSettings } from '../../src/slack/limits.js';
import { BusyError } from '../../src/errors.js';

const DROPPED = /dropped/i;

/**
 * Every preview and dry run counts the whole table, so they are rationed (Bottleneck): one at a
 * time and a few a minute per user, a few at once per process with a short queue behind them.
 * Past either limit the request is refused at once with a coded error, and nothing is touched.
 */
export class PreviewLimits {
  private readonly perUser: Bottleneck.Group;
  private readonly all: Bottleneck;

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
    this.all = new Bottleneck({ id: 'previews', maxConcurrent: settings.concurrent, highWater: settings.queue, strategy: Bottleneck.strategy.OVERFLOW });
    this.all.on('error', () => undefined);
    this.perUser.on('created', (limiter) => limiter.on('error', () => undefined));
  }

  async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
    return refuseWhenDropped(
      this.perUser.key(userId).schedule(() => refuseWhenDropped(this.all.schedule(work), 'Other previews are being made right now; try again in a few seconds.')),
      'You asked for several previews in a short time: wait a minute, or use the one already posted.',
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.all.stop({ dropWaitingJobs: true }), ...this.perUser.limiters().map(({ limiter }) => limiter.stop({ dropWaitingJobs: true }))]).catch(() => undefined);
  }
}

async function refuseWhenDropped<T>(job: Promise<T>, message: string): Promise<T> {
  try {
    return await job;
  } catch (error) {
    if (error instanceof Bottleneck.BottleneckError && DROPPED.test(error.message)) throw new BusyError(message);
    throw error;
  }
}
