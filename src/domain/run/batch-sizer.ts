import { formatCount, formatDuration } from '../wording/format.js';

export interface SizerSettings {
  /** The most rows one transaction may delete (so row locks): `--batch-size`, or the parser's default ceiling. */
  max: number;
  min: number;
  /** Each batch aims at this duration (pt-online-schema-change's --chunk-time, GitLab's batch optimizer). */
  targetMs: number;
  /** Matching rows per id before any batch has run: the plan's `matching / (watermark - firstId + 1)`. */
  density: number;
}

/** Rows the first batch aims at: small enough to be quick anywhere; growth takes it to the ceiling within a few batches. */
export const FIRST_BATCH_ROWS = 10_000;

/** The first batch's row target under a ceiling of `max` rows. */
export function firstBatchRows(max: number): number {
  return Math.min(max, FIRST_BATCH_ROWS);
}

/**
 * Batches left for `rows` rows when the next aims at `next` rows and each may double up to `max`
 * (the batch sizer's growth when the database keeps up). A slower database makes more: an estimate.
 */
export function estimateBatches(rows: number, next: number, max: number): number {
  let batches = 0;
  for (let left = rows, size = Math.max(1, next); left > 0; size = Math.min(max, size * 2)) {
    left -= size;
    batches += 1;
  }
  return batches;
}

/**
 * No batch covers more ids than this many times its row target, whatever the density says, so a
 * sparse status whose rows bunch up can never lock more than this multiple of the target.
 */
export const MAX_SPAN_FACTOR = 10;

/**
 * A batch takes in what would follow it when that is at most half a span: the batch then runs up to
 * 1.5 times its target, the most the sizer lets one take before it shrinks the next.
 */
const TAIL_SHARE = 2;

/**
 * Sizes batches by time and by rows, not by ids. Each batch aims at `rows` rows: a batch faster than
 * the target lets the next grow in proportion (at most doubling, never above `max`); one much slower
 * shrinks it in proportion; a lock timeout halves it. The id span a batch covers is the row target
 * divided by the density of matching rows the last batch found, so a sparse status (ERROR is one row
 * in seven) takes as few transactions as a dense one, with the same number of row locks.
 */
export class BatchSizer {
  rows: number;
  private density: number;

  constructor(private readonly settings: SizerSettings) {
    this.rows = Math.max(settings.min, firstBatchRows(settings.max));
    this.density = clampDensity(settings.density);
  }

  /** Ids the next batch covers. */
  get span(): number {
    return Math.min(Math.ceil(this.rows / this.density), this.rows * MAX_SPAN_FACTOR);
  }

  /**
   * The last id of a batch starting at `fromId`: a span on, or the watermark when at most half a span
   * would be left after it (no short last transaction, with its commit, pause and gate), so long as
   * the whole rest is expected to hold no more rows than the ceiling.
   */
  lastId(fromId: number, watermark: number): number {
    const span = this.span;
    const rest = watermark - fromId + 1;
    if (rest <= span) return watermark;
    const fits = rest - span <= span / TAIL_SHARE && Math.ceil(rest * this.density) <= this.settings.max;
    return fits ? watermark : fromId + span - 1;
  }

  /** Records a batch: the ids it covered, the rows it deleted and how long it took; returns a note when the size dropped. */
  record(span: number, rows: number, durationMs: number): string | null {
    const { targetMs, min, max } = this.settings;
    // A batch that found nothing says only that the rows are sparser than thought: widen, within the span cap.
    this.density = clampDensity(rows > 0 ? rows / span : this.density / 2);
    const before = this.rows;
    if (durationMs > targetMs * 1.5) this.rows = Math.max(min, Math.floor((this.rows * targetMs) / durationMs));
    else if (durationMs < targetMs * 0.8)
      this.rows = Math.min(max, Math.ceil(this.rows * Math.min(2, targetMs / Math.max(durationMs, 1))));
    if (this.rows < before) {
      return `batch size lowered to ${formatCount(this.rows)} rows after a batch took ${formatDuration(durationMs)} (target ${formatDuration(targetMs)})`;
    }
    return null;
  }

  /** After a lock or statement timeout: halve, so the retry holds fewer locks for less time. */
  shrink(): void {
    this.rows = Math.max(this.settings.min, Math.floor(this.rows / 2));
  }
}

function clampDensity(density: number): number {
  return Number.isFinite(density) && density > 0 ? Math.min(1, density) : 1 / MAX_SPAN_FACTOR;
}
