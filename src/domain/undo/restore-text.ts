import { formatCount, formatDuration, formatTimestamp } from '../wording/format.js';
import type { RunOutcome } from '../run/batch-loop.js';
import type { PurgeRequestRecord } from '../request/request.js';
import { statusPhrase } from '../wording/sentences.js';
import type { ArchiveSurvey } from '../ports.js';

/** Why request `id` cannot be restored, in one sentence; null when it can. */
export function restoreRefusal(
  id: number,
  purge: PurgeRequestRecord | null,
  survey: ArchiveSurvey | null,
): string | null {
  if (!purge) return `request #${id} is not in the ledger.`;
  if (purge.kind === 'restore') return `request #${id} is itself a restore; restore the purge it undid instead.`;
  if (purge.plan.undo.kind !== 'archive')
    return `request #${id} was not archived (it ran without --archive), so its rows cannot be restored.`;
  if (purge.state === 'running')
    return `request #${id} is still running; stop it first, or restore when it has finished.`;
  if (!survey || survey.rows === 0)
    return `request #${id}'s archive is empty: its rows were restored already, or their ${formatCount(purge.plan.undo.days)} days are over.`;
  return null;
}

/** The restore's preview: how many rows, which ids, how many of those ids are taken again, and until when. */
export function restoreLines(purge: PurgeRequestRecord, survey: ArchiveSurvey): string[] {
  const lines = [
    `Restore ${formatCount(survey.rows)} LearnPackWebhook records ${statusPhrase(purge.plan.status, (status) => `'${status}'`)} archived by request #${purge.id}`,
    `  Ids: ${formatCount(survey.minRowId ?? 0)} to ${formatCount(survey.maxRowId ?? 0)}, each row with its original id and every column as it was`,
  ];
  if (survey.taken > 0)
    lines.push(
      `  Taken again: ${formatCount(survey.taken)} of these ids hold new rows now; those are skipped, counted, and stay in the archive`,
    );
  if (survey.expiresAt) lines.push(`  Archive expires: ${formatTimestamp(survey.expiresAt)}`);
  return lines;
}

/** The restore's last line. */
export function restoreOutcomeLine(
  purgeId: number,
  outcome: Pick<RunOutcome, 'state' | 'deleted' | 'durationMs'> & { error: string | null; skipped?: number },
): string {
  const skipped = outcome.skipped
    ? `; skipped ${formatCount(outcome.skipped)} whose id is taken again (they stay in the archive)`
    : '';
  const restored = `${formatCount(outcome.deleted)} LearnPackWebhook records archived by request #${purgeId}`;
  switch (outcome.state) {
    case 'completed':
      return `Restored ${restored} in ${formatDuration(outcome.durationMs)}${skipped}.`;
    case 'stopped':
      return `Stopped after restoring ${restored}${skipped}.`;
    case 'failed':
      return `Failed after restoring ${restored}: ${outcome.error ?? 'unknown error'}. Restored rows stay.`;
  }
}
