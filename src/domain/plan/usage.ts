import { HISTORY_DEFAULT, HISTORY_MAX } from './clear-args.js';
import { DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MAX_REASON_LENGTH, STATUS_LIST } from './flag-values.js';

/** The flags in words, the same for the terminal's --help and Slack's usage reply. */
export function usage(program: string): string {
  const terminal = !program.startsWith('/');
  return [
    `Usage: ${program} --status STATUS [--older-than AGE] [--limit N] [--archive] [--reason TEXT] [--batch-size N] [--dry-run] [--force] [--show-summary] [--use-cursor]${terminal ? ' [--json] [--unrecorded]' : ''}`,
    `       ${program} status            what is running, queued, awaiting approval or resumable, and the table's counts`,
    `       ${program} history [--limit N]${terminal ? ' [--json]' : ''}   the last N requests (default ${HISTORY_DEFAULT}, at most ${HISTORY_MAX})`,
    `       ${program} restore ${terminal ? '--request ' : ''}N${terminal ? ' [--dry-run] [--force]' : ''}   put back what archived request N deleted`,
    `       ${program} stop|pause|continue|resume|cancel ${terminal ? '--request ' : ''}N   what the buttons on request N's message do`,
    ...(terminal
      ? [
          `       ${program} migrate           apply the bot's own tables to DATABASE_URL`,
          `       ${program} policies [--check FILE]   list the retention policies, or check a policy file`,
        ]
      : []),
    '',
    terminal
      ? `  --status STATUS   which webhooks to delete: ${STATUS_LIST} (default PENDING, as the Django command; Slack requires it)`
      : `  --status STATUS   which webhooks to delete: ${STATUS_LIST} (required)`,
    '  --older-than AGE  only rows created more than AGE before the preview: 30m, 6h, 7d; 0 includes the newest',
    '                    (without it, PENDING rows younger than CLEAR_TELEMETRY_PENDING_MIN_AGE are kept)',
    '  --limit N         delete at most N rows, oldest first',
    '  --archive         keep what is deleted in clear_telemetry_archive, restorable for CLEAR_TELEMETRY_ARCHIVE_DAYS',
    `  --reason TEXT     why: an incident, a ticket or one sentence (in quotes when it has spaces; at most ${MAX_REASON_LENGTH} characters)`,
    `  --batch-size N    aim each batch at up to N rows (an id range: it can hold more where rows bunch up), 1 to ${MAX_BATCH_SIZE.toLocaleString('en-US')} (default: sized by time, up to ${DEFAULT_BATCH_SIZE.toLocaleString('en-US')})`,
    '  --dry-run         show the summary and the plan, delete nothing',
    terminal
      ? '  --force           skip the confirmation'
      : '  --force           lets a break-glass user approve their own request',
    '  --show-summary    print the count of every status',
    '  --use-cursor      delete in one statement (without it: one statement up to 50,000 rows, batches above)',
    ...(terminal
      ? [
          '  --json            print the result (or each history line) as one JSON object per line',
          "  --unrecorded      break-glass: delete on a database without the bot's tables (no record, no lock, no undo)",
        ]
      : []),
    '  --help            show this help',
    '  --version         show the version',
  ].join('\n');
}
