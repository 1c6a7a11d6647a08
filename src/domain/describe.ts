import { formatCount, formatDuration } from './format.js';
import type { PurgeOutcome } from './purge.js';

/** "in 4.2 s (batch, 5 batches)": how a run went, the same words on the terminal and in Slack. */
export function howItRan(outcome: Pick<PurgeOutcome, 'durationMs' | 'method' | 'batches'>): string {
  const batches = `${formatCount(outcome.batches)} ${outcome.batches === 1 ? 'batch' : 'batches'}`;
  return `in ${formatDuration(outcome.durationMs)} (${outcome.method}, ${batches})`;
}
