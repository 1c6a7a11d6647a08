import { formatCount, formatDuration } from './format.js';
import type { PurgeOutcome } from './purge.js';

/** "in 4.2 s (batch, 5 batches)": how a run went, the same words on the terminal and in Slack. */
export function howItRan(outcome: Pick<PurgeOutcome, 'durationMs' | 'method' | 'batches'>): string {
  const batches = `${formatCount(outcome.batches)} ${outcome.batches === 1 ? 'batch' : 'batches'}`;
  return `in ${formatDuration(outcome.durationMs)} (${outcome.method}, ${batches})`;
}

/**
 * After a completed run that deleted fewer rows than were previewed: why the rest are still there.
 * Empty when it deleted them all.
 */
export function shortfall(matching: number, deleted: number): string {
  const kept = matching - deleted;
  if (kept <= 0) return '';
  const rows = kept === 1 ? '1 previewed record was' : `${formatCount(kept)} previewed records were`;
  return `${rows} not deleted: changed or already gone since the preview`;
}
