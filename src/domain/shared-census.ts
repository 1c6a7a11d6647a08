import { BusyError } from '../errors.js';
import type { Census } from './ports.js';

export interface SharedCensusOptions {
  /** How long a finished census may stand in for a status summary (dry runs). */
  reuseForMs: number;
  /** Previews that may wait on one census in flight; more are told the bot is busy. */
  maxWaiting: number;
  clock?: () => number;
}

/**
 * Every preview needs a census, a scan of the whole table. Previews arriving together share the one
 * in flight (single flight), so a process never runs two at once; a dry run may also take one that
 * finished a moment ago. A plan someone will approve always gets a census that started after it was
 * asked for or was already running then: its counts and snapshot are what the preview shows, and
 * the delete is bounded by that snapshot.
 */
export class SharedCensus {
  private inFlight: Promise<Census> | null = null;
  private waiting = 0;
  private last: { at: number; census: Census } | null = null;
  private readonly clock: () => number;

  constructor(
    private readonly count: () => Promise<Census>,
    private readonly options: SharedCensusOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** A census no older than the request: the one in flight, or a new one. */
  async fresh(): Promise<Census> {
    if (this.inFlight) return this.join(this.inFlight);
    const started = this.clock();
    const census = this.count().then((result) => {
      this.last = { at: started, census: result };
      return result;
    });
    this.inFlight = census;
    const clear = () => {
      if (this.inFlight === census) this.inFlight = null;
    };
    census.then(clear, clear);
    return census;
  }

  /** A census at most `reuseForMs` old, for a summary nobody approves. */
  async recent(): Promise<Census> {
    if (this.last && this.clock() - this.last.at <= this.options.reuseForMs) return this.last.census;
    return this.fresh();
  }

  private async join(census: Promise<Census>): Promise<Census> {
    if (this.waiting >= this.options.maxWaiting) throw new BusyError('Many previews are being made right now; try again in a few seconds.');
    this.waiting += 1;
    try {
      return await census;
    } finally {
      this.waiting -= 1;
    }
  }
}
