import {
  formatAge,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatTimestamp,
} from '../domain/wording/format.js';
import type { Plan, StatusSummary } from '../domain/plan/plan.js';
import type { PurgeOutcome } from '../domain/run/purge.js';
import type { PurgeProgress } from '../domain/ports.js';
import type { PurgeRequestRecord } from '../domain/request/request.js';
import type { StatusFilter } from '../domain/plan/webhook-statuses.js';
import {
  howItRan,
  livePendingAgeMs,
  shortfall,
  statusPhrase,
  type Target,
  gateSentences,
  batchesSentence,
  undoSentence,
} from '../domain/wording/sentences.js';

/** The terminal's words, kept to the Django command's lines so existing runbooks still read true. */

const MODEL = 'LearnPackWebhook';
const RULE = '-'.repeat(40);

export const DRY_RUN_LINE = 'DRY RUN MODE - No records will be deleted';
export const RESTORE_DRY_RUN_LINE = 'DRY RUN MODE - No records will be restored';
export const CANCELLED_LINE = 'Operation cancelled';

const quoted = (status: string) => `'${status}'`;

/** The first line, before anything else: which database this is, and its environment's label. */
export function targetLine(target: Target): string {
  return `Database: ${target.database}${target.environment ? ` [${target.environment.toUpperCase()}]` : ''}`;
}

export function nothingFoundLine(status: StatusFilter): string {
  return status === 'ALL' ? `No ${MODEL} records found` : `No ${MODEL} records found ${statusPhrase(status, quoted)}`;
}

export function foundLine(plan: Plan): string {
  return `Found ${formatCount(plan.matching)} ${MODEL} records ${statusPhrase(plan.status, quoted)}`;
}

export function planLines(plan: Plan): string[] {
  const lines = [
    `  Watermark: id <= ${formatCount(plan.watermark ?? 0)} (rows added or changed after this moment are kept)`,
  ];
  const live = livePendingAgeMs(plan);
  if (live !== null) {
    lines.push(
      `  Warning: the newest PENDING rows were created ${formatDuration(live)} ago. They are live webhooks still being delivered: deleting them makes the worker retry and lose that telemetry.`,
    );
  }
  if (plan.oldest && plan.newest)
    lines.push(`  Created: ${formatTimestamp(plan.oldest)} to ${formatTimestamp(plan.newest)}`);
  lines.push(...gateSentences(plan).map((sentence) => `  ${sentence}`));
  const batches = plan.method === 'batch' ? `, ${batchesSentence(plan)}` : '';
  lines.push(`  Method: ${plan.method}${batches} (${plan.methodReason})`);
  lines.push(`  Undo: ${undoSentence(plan.undo)}`);
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

/** Repeats what matters at the moment of yes: how many, which status, which database. */
export function confirmQuestion(plan: Plan, target: Target): string {
  return `Are you sure you want to delete ${formatCount(plan.matching)} ${MODEL} records ${statusPhrase(plan.status, quoted)} from ${targetLine(target).replace('Database: ', '')}? (yes/no): `;
}

export const UNRECORDED_WARNING =
  "Warning: the bot's ledger table is missing (run `npm run migrate`), so this run is not recorded and does not take the one-runner lock.";

export const ARCHIVE_NEEDS_LEDGER =
  "clear-telemetry: --archive needs the bot's tables, which are missing (run `npm run migrate`): nothing was deleted.";

export const STOPPING_LINE = 'Stopping after the current batch (press Ctrl-C again to quit at once)...';

export const NOT_A_TERMINAL =
  'Refusing to delete without confirmation: standard input is not a terminal, so nobody can answer the prompt.\n' +
  'Re-run with --force to delete without asking (for cron and scripts), or with --dry-run to only look.';

export function progressLine(p: PurgeProgress, action: 'delete' | 'restore' = 'delete'): string {
  const eta = p.etaMs === null ? '' : ` - ETA ${formatDuration(p.etaMs)}`;
  return (
    `${action === 'restore' ? 'Restored' : 'Deleted'} ${formatCount(p.deleted)}/${formatCount(p.total)} records (${formatPercent(p.deleted, p.total)}) - ` +
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
  /** A restore's rows whose id is taken again (left in the archive). */
  skipped?: number;
}

export function busyLine(running: PurgeRequestRecord | null, staleAfterMs: number): string {
  if (!running) return 'Another purge of assignments_learnpackwebhook is running. Try again when it has finished.';
  const fromSlack = running.source === 'slack';
  const who = fromSlack
    ? `requested in Slack by ${running.requesterId}`
    : `started from ${running.requesterId.replace(/^terminal:/, '')}`;
  return (
    `Another purge of assignments_learnpackwebhook is running: request #${running.id}, ${who}, ` +
    `${formatCount(running.position.deleted)} of ${formatCount(running.plan.matching)} deleted so far. Try again when it has finished, ` +
    `or stop it: ${fromSlack ? 'click Stop on its Slack message' : 'press Ctrl-C in the terminal running it'}.` +
    // A killed terminal run still reads as running until its heartbeat goes stale.
    (fromSlack
      ? ''
      : ` If that process was killed, #${running.id} counts as interrupted once it has sent no heartbeat for ${formatAge(staleAfterMs)}: run this again then.`)
  );
}

export function outcomeLine(outcome: RunSummary, plan: Plan): string {
  const what = `${MODEL} records ${statusPhrase(plan.status, quoted)}`;
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
