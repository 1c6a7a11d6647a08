import { BusyError } from '../../errors.js';
import type { AgeCutoff, Census } from '../ports.js';

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
  /** Keyed by the age cut-off: a census answers for one cut-off (previews of the same second share it). */
  private readonly inFlight = new Map<string, Promise<Census>>();
  private waiting = 0;
  private readonly last = new Map<string, { at: number; census: Census }>();
  private readonly clock: () => number;

  constructor(
    private readonly count: (cutoff: AgeCutoff | null) => Promise<Census>,
    private readonly options: SharedCensusOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** A census no older than the request: the one in flight, or a new one. */
  async fresh(cutoff: AgeCutoff | null): Promise<Census> {
    const key = keyOf(cutoff);
    const running = this.inFlight.get(key);
    if (running) return this.join(running);
    const started = this.clock();
    const census = this.count(cutoff).then((result) => {
      this.remember(key, { at: started, census: result });
      return result;
    });
    this.inFlight.set(key, census);
    const clear = () => {
      if (this.inFlight.get(key) === census) this.inFlight.delete(key);
    };
    census.then(clear, clear);
    return census;
  }

  /** The newest census this process took, whatever its cut-off, and how old it is. */
  latest(): { census: Census; ageMs: number } | null {
    const newest = [...this.last.values()].sort((a, b) => b.at - a.at)[0];
    return newest ? { census: newest.census, ageMs: this.clock() - newest.at } : null;
  }

  /** A census at most `reuseForMs` old, for a summary nobody approves. */
  async recent(cutoff: AgeCutoff | null): Promise<Census> {
    const last = this.last.get(keyOf(cutoff));
    if (last && this.clock() - last.at <= this.options.reuseForMs) return last.census;
    return this.fresh(cutoff);
  }

  /** Keeps the newest census, and others only while they may still be reused (one key per cut-off second). */
  private remember(key: string, entry: { at: number; census: Census }): void {
    for (const [other, kept] of this.last)
      if (this.clock() - kept.at > this.options.reuseForMs) this.last.delete(other);
    this.last.set(key, entry);
  }

  private async join(census: Promise<Census>): Promise<Census> {
    if (this.waiting >= this.options.maxWaiting)
      throw new BusyError('Many previews are being made right now; try again in a few seconds.');
    this.waiting += 1;
    try {
      return await census;
    } finally {
      this.waiting -= 1;
    }
  }
}

function keyOf(cutoff: AgeCutoff | null): string {
  return cutoff ? `${cutoff.appliesTo}:${cutoff.before.getTime()}` : 'none';
}
