import cliProgress from 'cli-progress';
import { formatCount, formatDuration, formatRate } from '../domain/format.js';
import type { PurgeProgress } from '../domain/purge.js';
import { LatestWins } from '../throttle/latest-wins.js';
import { progressLine } from './terminal-text.js';

export interface ProgressDisplay {
  update(progress: PurgeProgress): void;
  /** Prints the last state (never dropped) and releases the terminal. */
  finish(): Promise<void>;
}

export type Output = NodeJS.WritableStream & { isTTY?: boolean };

/** A live bar on a terminal; otherwise (cron, pipes, CI) plain lines, at most one a second. */
export function createProgressDisplay(out: Output): ProgressDisplay {
  return out.isTTY ? new ProgressBar(out) : new ProgressLines(out);
}

class ProgressLines implements ProgressDisplay {
  private readonly throttle: LatestWins<PurgeProgress>;

  constructor(private readonly out: Output) {
    this.throttle = new LatestWins({ id: 'terminal-progress', minTime: 1_000, send: (progress) => this.print(progress) });
  }

  update(progress: PurgeProgress): void {
    this.throttle.offer(progress);
  }

  /** The terminal has no rate limit, so the last line is printed at once rather than in its turn. */
  async finish(): Promise<void> {
    const unsent = await this.throttle.close();
    if (unsent) this.print(unsent);
  }

  private print(progress: PurgeProgress): void {
    this.out.write(`${progressLine(progress)}\n`);
  }
}

class ProgressBar implements ProgressDisplay {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(out: Output) {
    this.bar = new cliProgress.SingleBar(
      {
        format: 'Deleting [{bar}] {percentage}% | {deletedText}/{totalText} | batch {batches} | {rate} | ETA {etaText}',
        stream: out,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(progress: PurgeProgress): void {
    const payload = {
      deletedText: formatCount(progress.deleted),
      totalText: formatCount(progress.total),
      batches: `${formatCount(progress.batchesDone)}/${formatCount(progress.batchesTotal)}`,
      rate: formatRate(progress.rowsPerSecond),
      etaText: progress.etaMs === null ? '?' : formatDuration(progress.etaMs),
    };
    if (!this.started) {
      this.bar.start(progress.total, progress.deleted, payload);
      this.started = true;
    }
    this.bar.setTotal(progress.total);
    this.bar.update(progress.deleted, payload);
  }

  finish(): Promise<void> {
    if (this.started) this.bar.stop();
    return Promise.resolve();
  }
}
