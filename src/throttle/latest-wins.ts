import Bottleneck from 'bottleneck';

export interface LatestWinsOptions<T> {
  id: string;
  /** Minimum time between the starts of two sends. */
  minTime: number;
  /** Delivers one state (prints a line, edits a message). */
  send: (state: T) => unknown;
  /** Milliseconds to wait before retrying a failed send, or null to give up (`final` for the last state). */
  retryDelay?: (error: unknown, attempt: number, final: boolean) => number | null;
  onError?: (error: unknown) => void;
  /** Extra Bottleneck settings, e.g. a Redis datastore shared by every replica. */
  limiter?: Partial<Bottleneck.ConstructorOptions>;
  /** With a shared datastore: how long a job may hold its slot if its process dies. */
  expirationMs?: number;
}

/**
 * A throttle for status updates (terminal progress lines, Slack message edits): at most one send
 * every `minTime` (Bottleneck), and each send delivers the latest state offered when it starts, so a
 * slow sink never falls behind and never shows a stale state after a newer one.
 *
 * At most one offered send waits at a time, so nothing ever has to be dropped. (Bottleneck's own
 * `highWater: 1` + `LEAK` recipe was tried first: under load it dropped, or stranded in QUEUED, a
 * job admitted while the waiting one left the queue, which lost final edits.)
 */
export class LatestWins<T> {
  private readonly limiter: Bottleneck;
  private latest: T | undefined;
  private sent: T | undefined;
  private waiting = false;

  constructor(private readonly options: LatestWinsOptions<T>) {
    this.limiter = new Bottleneck({ ...options.limiter, id: options.id, maxConcurrent: 1, minTime: options.minTime });
    this.limiter.on('error', (error) => options.onError?.(error));
    // Returning a number from `failed` makes Bottleneck retry the same job after that many ms; the
    // retry sends whatever state is latest by then.
    this.limiter.on(
      'failed',
      (error, job) => options.retryDelay?.(error, job.retryCount, job.options.priority === 0) ?? undefined,
    );
  }

  /** Offers a newer state; never throws. */
  offer(state: T): void {
    this.latest = state;
    if (this.waiting) return;
    this.waiting = true;
    this.limiter
      .schedule({ priority: 5, ...this.expiring() }, () => {
        this.waiting = false;
        return this.sendLatest();
      })
      .catch((error: unknown) => {
        if (!isStopped(error)) this.options.onError?.(error);
      });
  }

  /** Sends the final state after whatever is being sent now, within the rate; resolves once sent. */
  async final(state: T): Promise<void> {
    this.latest = state;
    await this.limiter.schedule({ priority: 0, ...this.expiring() }, () => this.sendLatest());
  }

  /** Drops what is still waiting and waits for a send in progress. Returns the last state offered, if not sent. */
  async close(): Promise<T | undefined> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    return this.latest === this.sent ? undefined : this.latest;
  }

  private expiring(): { expiration?: number } {
    return this.options.expirationMs ? { expiration: this.options.expirationMs } : {};
  }

  private async sendLatest(): Promise<void> {
    const state = this.latest;
    if (state === undefined || state === this.sent) return;
    await this.options.send(state);
    this.sent = state;
  }
}

function isStopped(error: unknown): boolean {
  return error instanceof Bottleneck.BottleneckError && /dropped|stopped/i.test(error.message);
}
