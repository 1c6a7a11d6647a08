import cliProgress from 'cli-progress';
import { formatCount, formatDuration, formatRate } from '../domain/wording/format.js';
import type { PurgeProgress } from '../domain/ports.js';
import { LatestWins } from '../throttle/latest-wins.js';
import { progressLine } from './terminal-text.js';

export interface ProgressDisplay {
  update(progress: PurgeProgress): void;
  /** A line of its own (a fallback, a hold, "stopping…"), printed above the bar, never into it. */
  note(line: string): void;
  /** Prints the last state (never dropped) and releases the terminal. */
  finish(): Promise<void>;
}

export type Output = NodeJS.WritableStream & { isTTY?: boolean };

/** A live bar on a terminal; otherwise (cron, pipes, CI) plain timestamped lines, at most one a second. */
export function createProgressDisplay(out: Output, action: Action = 'delete'): ProgressDisplay {
  return out.isTTY ? new ProgressBar(out, action) : new ProgressLines(out, action);
}

/** What the rows are going through: a purge deletes them, a restore puts them back. */
export type Action = 'delete' | 'restore';

class ProgressLines implements ProgressDisplay {
  private readonly throttle: LatestWins<PurgeProgress>;

  constructor(
    private readonly out: Output,
    private readonly action: Action,
  ) {
    this.throttle = new LatestWins({
      id: 'terminal-progress',
      minTime: 1_000,
      send: (progress) => this.print(progress),
    });
  }

  update(progress: PurgeProgress): void {
    this.throttle.offer(progress);
  }

  note(line: string): void {
    this.write(line);
  }

  /** The terminal has no rate limit, so the last line is printed at once rather than in its turn. */
  async finish(): Promise<void> {
    const unsent = await this.throttle.close();
    if (unsent) this.print(unsent);
  }

  private print(progress: PurgeProgress): void {
    this.write(progressLine(progress, this.action));
  }

  /** Log files and cron mail need to say when. */
  private write(line: string): void {
    this.out.write(`${new Date().toISOString()} ${line}\n`);
  }
}

/**
 * cli-progress's MultiBar (with one bar) because it can print lines above the bar (`log`); the bar
 * is erased when the run ends, so the result lines stand alone.
 */
class ProgressBar implements ProgressDisplay {
  private readonly bars: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | null = null;

  constructor(
    private readonly out: Output,
    action: Action,
  ) {
    this.bars = new cliProgress.MultiBar(
      {
        format: `${action === 'restore' ? 'Restoring' : 'Deleting'} [{bar}] {percentage}% | {deletedText}/{totalText} | ids {ids} | {rate} | ETA {etaText}`,
        stream: out,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(progress: PurgeProgress): void {
    const payload = {
      deletedText: formatCount(progress.deleted),
      totalText: formatCount(progress.total),
      ids: progress.lastId === null ? '-' : `≤ ${formatCount(progress.lastId)}`,
      rate: formatRate(progress.rowsPerSecond),
      etaText: progress.etaMs === null ? '?' : formatDuration(progress.etaMs),
    };
    this.bar ??= this.bars.create(progress.total, progress.deleted, payload);
    this.bar.setTotal(progress.total);
    this.bar.update(progress.deleted, payload);
  }

  note(line: string): void {
    // Before the bar exists there is nothing to draw around.
    if (this.bar) this.bars.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  finish(): Promise<void> {
    this.bars.stop();
    return Promise.resolve();
  }
}
