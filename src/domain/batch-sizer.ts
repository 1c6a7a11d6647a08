import { formatCount, formatDuration } from './format.js';

export interface SizerSettings {
  /** The requested --batch-size: the most ids (so row locks) one transaction may cover. */
  max: number;
  min: number;
  /** Each batch aims at this duration (pt-online-schema-change's --chunk-time, GitLab's batch optimizer). */
  targetMs: number;
}

/**
 * Adapts the batch size (ids per transaction) to how the database is doing: a batch much slower
 * than the target shrinks the next one in proportion, a fast one lets it grow back by at most 20%,
 * never above the requested size; a lock timeout halves it.
 */
export class BatchSizer {
  size: number;

  constructor(private readonly settings: SizerSettings) {
    this.size = settings.max;
  }

  /** Records a batch's duration; returns a note when the size changed. */
  record(durationMs: number): string | null {
    const { targetMs, min, max } = this.settings;
    const before = this.size;
    if (durationMs > targetMs * 1.5) this.size = Math.max(min, Math.floor((this.size * targetMs) / durationMs));
    else if (durationMs < targetMs / 2) this.size = Math.min(max, Math.ceil(this.size * 1.2));
    if (this.size < before) {
      return `batch size lowered to ${formatCount(this.size)} after a batch took ${formatDuration(durationMs)} (target ${formatDuration(targetMs)})`;
    }
    return null;
  }

  /** After a lock or statement timeout: halve, so the retry holds fewer locks for less time. */
  shrink(): void {
    this.size = Math.max(this.settings.min, Math.floor(this.size / 2));
  }
}
