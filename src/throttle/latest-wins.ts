import Bottleneck from 'bottleneck';

export interface LatestWinsOptions {
  id: string;
  /** Minimum time between the starts of two jobs. */
  minTime: number;
  onError?: (error: unknown) => void;
}

/**
 * A throttle for status updates (terminal progress lines, Slack message edits): at most one job
 * every `minTime`, and a newer update replaces the one still waiting, so a slow sink only ever
 * sees the latest state. The final update is queued at priority 0, so no later tick can evict it.
 * The Bottleneck recipe comes from octokit/plugin-throttling: `highWater: 1` with `LEAK`.
 */
export class LatestWins {
  private readonly limiter: Bottleneck;

  constructor(private readonly options: LatestWinsOptions) {
    this.limiter = new Bottleneck({
      id: options.id,
      maxConcurrent: 1,
      minTime: options.minTime,
      highWater: 1,
      strategy: Bottleneck.strategy.LEAK,
    });
    this.limiter.on('error', (error) => options.onError?.(error));
  }

  /** Queues an update; it may be replaced by a newer one before it runs. Never throws. */
  offer(job: () => unknown): void {
    this.limiter.schedule({ priority: 5 }, () => Promise.resolve(job())).catch((error: unknown) => {
      if (!isDropped(error)) this.options.onError?.(error);
    });
  }

  /** Queues the last update after whatever is running; resolves when it has run. */
  async final<T>(job: () => Promise<T> | T): Promise<T> {
    return this.limiter.schedule({ priority: 0 }, () => Promise.resolve(job()));
  }

  /** Drops whatever is still waiting (for example on shutdown) and lets the running job finish. */
  async close(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

function isDropped(error: unknown): boolean {
  return error instanceof Bottleneck.BottleneckError && /dropped/i.test(error.message);
}
