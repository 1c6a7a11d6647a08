import {
  formatAge,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatTimestamp,
} from '../domain/wording/format.js';
import type { Plan, StatusSummary } from '../domain/plan/plan.js';
import type { RunOutcome } from '../domain/run/batch-loop.js';
import type { PurgeProgress } from '../domain/ports.js';
import type { PurgeRequestRecord } from '../domain/request/request.js';
import { restoreOutcomeLine } from '../domain/undo/restore-text.js';
import {
  howItRan,
  livePendingAgeMs,
  shortfall,
  statusPhrase,
  type Target,
  gateSentences,
  nothingToDelete,
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

/**
 * Nothing to delete: the Django command's "No … records found" when none exist, otherwise what the
 * gates kept out ("0 … to delete: all 105,000 … are younger than 10 min …").
 */
export function nothingLine(plan: Plan): string {
  if (plan.kept === 0 || plan.cutoff === null) {
    return plan.status === 'ALL'
      ? `No ${MODEL} records found`
      : `No ${MODEL} records found ${statusPhrase(plan.status, quoted)}`;
  }
  return `No ${MODEL} records to delete ${statusPhrase(plan.status, quoted)}: ${nothingToDelete(plan)}`;
}

export function foundLine(plan: Plan): string {
  return `Found ${formatCount(plan.matching)} ${MODEL} records ${statusPhrase(plan.status, quoted)}`;
}

/** The plan under the "Found" line; the requester's `--reason` first, as typed (a terminal shows text as it is). */
export function planLines(plan: Plan, reason: string | null = null): string[] {
  const lines = [
    ...(reason ? [`  Reason: ${reason}`] : []),
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
  lines.push(`  Method: ${plan.method}${batches}: ${plan.methodReason}`);
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
  'Warning (--unrecorded): this database has no clear_telemetry tables, so this run is not recorded, takes no one-runner lock, cannot be resumed and cannot be undone.';

export const NO_LEDGER = [
  'clear-telemetry: this database has no clear_telemetry tables, so the run could be neither recorded nor kept from running beside another purge: nothing was deleted.',
  "  Apply the bot's migrations first, with a user that may create tables: clear-telemetry migrate (or npm run migrate).",
  '  To delete anyway, unrecorded and unlocked, add --unrecorded (break-glass; docs/runbook.md).',
].join('\n');

export const ARCHIVE_NEEDS_LEDGER =
  "clear-telemetry: archiving (--archive, or CLEAR_TELEMETRY_ARCHIVE=always) needs the bot's tables, which this database lacks: nothing was deleted. Apply them with clear-telemetry migrate.";

export const OUTPUT_CLOSED_LINE = 'The output was closed: stopping after the current batch...';

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
  state: RunOutcome['state'];
  deleted: number;
  batches: number;
  durationMs: number;
  method: RunOutcome['method'];
  error: string | null;
  /** The ledger's request (null for an --unrecorded run): resume and restore name it. */
  requestId: number | null;
  /** Why a stop came when nobody pressed Ctrl-C or Stop (its output was closed). */
  stopNote: string | null;
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
    `or stop it after its current batch: ${PROGRAM_NAME} stop --request ${running.id}${fromSlack ? ' (or Stop on its Slack message)' : ''}.` +
    // A killed run still reads as running until its heartbeat goes stale.
    ` If its process was killed, #${running.id} counts as interrupted once it has sent no heartbeat for ${formatAge(staleAfterMs)}; ${PROGRAM_NAME} resume --request ${running.id} then continues it.`
  );
}

/**
 * How a run ended, and what a person can do next with exactly the rows it names: resume the same
 * plan, or restore what an archived run deleted. Never a command that would select other rows.
 */
export function outcomeLines(outcome: RunSummary, plan: Plan, restoreOf: number | null = null): string[] {
  if (restoreOf !== null) return [restoreLine(restoreOf, outcome)];
  const what = `${MODEL} records ${statusPhrase(plan.status, quoted)}`;
  const took = formatDuration(outcome.durationMs);
  const sofar = `${formatCount(outcome.deleted)} of ${formatCount(plan.matching)} ${what}`;
  const left = Math.max(0, plan.matching - outcome.deleted);
  const resume =
    outcome.requestId === null
      ? '  This run was not recorded, so it cannot be resumed; a new preview shows what is left.'
      : `  To delete the remaining ${formatCount(left)} previewed rows (same watermark, same plan): ${PROGRAM_NAME} resume --request ${outcome.requestId}`;
  switch (outcome.state) {
    case 'completed': {
      const kept = shortfall(plan.matching, outcome.deleted);
      return [
        `Successfully deleted ${formatCount(outcome.deleted)} ${what} ${howItRan(outcome)}${kept ? `. ${kept}.` : ''}`,
        ...restoreHint(outcome, plan),
      ];
    }
    case 'stopped': {
      const why = outcome.stopNote ? ` (${outcome.stopNote})` : '';
      return [
        `Stopped${why} after deleting ${sofar} in ${took}.`,
        ...(left > 0 ? [resume] : []),
        ...restoreHint(outcome, plan),
      ];
    }
    case 'failed':
      return [
        `Failed after deleting ${sofar} in ${took}: ${outcome.error ?? 'unknown error'}. Deleted rows stay deleted.`,
        resume,
        ...restoreHint(outcome, plan),
      ];
  }
}

/** After an archived run: how to put back what it deleted. */
function restoreHint(outcome: RunSummary, plan: Plan): string[] {
  if (outcome.requestId === null || plan.undo.kind !== 'archive' || outcome.deleted === 0) return [];
  return [
    `  Archived as request #${outcome.requestId}: restorable for ${formatCount(plan.undo.days)} days with ${PROGRAM_NAME} restore --request ${outcome.requestId}`,
  ];
}

/** A restore's last line, with how to restore the rest when it stopped or failed. */
function restoreLine(restoreOf: number, outcome: RunSummary): string {
  const line = restoreOutcomeLine(restoreOf, outcome);
  if (outcome.state === 'completed' || outcome.requestId === null) return line;
  return `${line} To restore the rest: ${PROGRAM_NAME} resume --request ${outcome.requestId}`;
}

const PROGRAM_NAME = 'clear-telemetry';

/** "it succeeded at 2026-12-03 15:52:55 UTC", "it is awaiting approval": where a request stands, as a sentence. */
export function requestStateSentence(request: PurgeRequestRecord): string {
  const when = request.finishedAt ?? request.decidedAt;
  const at = when ? ` at ${formatTimestamp(when)}` : '';
  switch (request.state) {
    case 'awaiting_approval':
      return 'it is awaiting approval';
    case 'approved':
      return 'it is approved and queued';
    case 'running':
      return 'it is running';
    case 'succeeded':
      return `it succeeded${at}`;
    case 'failed':
      return `it failed${at}`;
    case 'stopped':
      return `it was stopped${at}`;
    case 'interrupted':
      return `it was interrupted${at}`;
    case 'cancelled':
      return `it was cancelled${at}`;
    case 'expired':
      return `it expired${at}`;
  }
}
