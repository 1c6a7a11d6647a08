import { formatCount, formatDuration, formatPercent, formatRate, formatTimestamp } from '../domain/format.js';
import type { Plan, StatusSummary } from '../domain/plan.js';
import type { PurgeOutcome, PurgeProgress } from '../domain/purge.js';
import type { PurgeRequestRecord } from '../domain/request.js';
import type { StatusFilter } from '../domain/statuses.js';
import { howItRan, shortfall } from '../domain/describe.js';

/** The terminal's words, kept to the Django command's lines so existing runbooks still read true. */

const MODEL = 'LearnPackWebhook';
const RULE = '-'.repeat(40);

export const DRY_RUN_LINE = 'DRY RUN MODE - No records will be deleted';
export const CANCELLED_LINE = 'Operation cancelled';

export function nothingFoundLine(status: StatusFilter): string {
  return `No ${MODEL} records found with status '${status}'`;
}

export function foundLine(plan: Plan): string {
  return `Found ${formatCount(plan.matching)} ${MODEL} records with status '${plan.status}'`;
}

export function planLines(plan: Plan): string[] {
  const lines = [`  Watermark: id <= ${formatCount(plan.watermark ?? 0)} (rows added or changed after this moment are kept)`];
  if (plan.oldest && plan.newest) lines.push(`  Created: ${formatTimestamp(plan.oldest)} to ${formatTimestamp(plan.newest)}`);
  const batches = plan.method === 'batch' ? `, ${formatCount(plan.batches)} batches of ${formatCount(plan.batchSize)}` : '';
  lines.push(`  Method: ${plan.method}${batches} (${plan.methodReason})`);
  lines.push(`  Estimated time: ${formatDuration(plan.estimatedMs)}`);
  return lines;
}

export function summaryLines(summary: StatusSummary): string[] {
  return [
    '',
    `Current ${MODEL} status summary:`,
    RULE,
    ...summary.rows.map((row) => `${row.status}: ${formatCount(row.count)} records`),
    RULE,
    `Total: ${formatCount(summary.total)} records`,
  ];
}

export function confirmQuestion(plan: Plan): string {
  return `Are you sure you want to delete ${formatCount(plan.matching)} ${MODEL} records with status '${plan.status}'? (yes/no): `;
}

export const NOT_A_TERMINAL =
  'Refusing to delete without confirmation: standard input is not a terminal, so nobody can answer the prompt.\n' +
  'Re-run with --force to delete without asking (for cron and scripts), or with --dry-run to only look.';

export function progressLine(p: PurgeProgress): string {
  const eta = p.etaMs === null ? '' : ` - ETA ${formatDuration(p.etaMs)}`;
  return (
    `Deleted ${formatCount(p.deleted)}/${formatCount(p.total)} records (${formatPercent(p.deleted, p.total)}) - ` +
    `Remaining: ${formatCount(p.total - p.deleted)} - batch ${formatCount(p.batchesDone)}/${formatCount(p.batchesTotal)} - ` +
    `${formatRate(p.rowsPerSecond)}${eta}`
  );
}

/** How a terminal run ended, recorded or not. */
export interface RunSummary {
  state: PurgeOutcome['state'];
  deleted: number;
  batches: number;
  durationMs: number;
  method: PurgeOutcome['method'];
  error: string | null;
}

export function busyLine(running: PurgeRequestRecord | null): string {
  if (!running) return 'Another purge of assignments_learnpackwebhook is running. Try again when it has finished.';
  const who = running.source === 'slack' ? `requested in Slack by ${running.requesterId}` : `started from ${running.requesterId.replace(/^terminal:/, '')}`;
  return (
    `Another purge of assignments_learnpackwebhook is running: request #${running.id}, ${who}, ` +
    `${formatCount(running.position.deleted)} of ${formatCount(running.plan.matching)} deleted so far. Try again when it has finished (or stop it).`
  );
}

export function outcomeLine(outcome: RunSummary, plan: Plan): string {
  const what = `${MODEL} records with status '${plan.status}'`;
  const took = formatDuration(outcome.durationMs);
  const sofar = `${formatCount(outcome.deleted)} of ${formatCount(plan.matching)} ${what}`;
  switch (outcome.state) {
    case 'completed': {
      const kept = shortfall(plan.matching, outcome.deleted);
      return `Successfully deleted ${formatCount(outcome.deleted)} ${what} ${howItRan(outcome)}${kept ? `. ${kept}.` : ''}`;
    }
    case 'stopped':
      return `Stopped after deleting ${sofar} in ${took}. Run the command again to delete the rest.`;
    case 'failed':
      return `Failed after deleting ${sofar} in ${took}: ${outcome.error ?? 'unknown error'}. Deleted rows stay deleted; run again to continue.`;
  }
}
