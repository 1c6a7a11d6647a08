import { DEFAULT_BATCH_SIZE, HISTORY_DEFAULT, HISTORY_MAX, MAX_BATCH_SIZE, STATUS_LIST } from './clear-args.js';

/** The flags in words, the same for the terminal's --help and Slack's usage reply. */
export function usage(program: string): string {
  return [
    `Usage: ${program} [--status STATUS] [--older-than AGE] [--limit N] [--archive] [--batch-size N] [--dry-run] [--force] [--show-summary] [--use-cursor] [--json]`,
    `       ${program} status            what is running, queued, awaiting approval or resumable, and the table's counts`,
    `       ${program} history [--limit N] [--json]   the last N requests (default ${HISTORY_DEFAULT}, at most ${HISTORY_MAX})`,
    `       ${program} restore --request N [--dry-run] [--force]   put back what archived request N deleted`,
    '',
    `  --status STATUS   which webhooks to delete: ${STATUS_LIST} (default PENDING)`,
    '  --older-than AGE  only rows created more than AGE before the preview: 30m, 6h, 7d; 0 includes the newest',
    '                    (without it, PENDING rows younger than CLEAR_TELEMETRY_PENDING_MIN_AGE are kept)',
    '  --limit N         delete at most N rows, oldest first',
    '  --archive         keep what is deleted in clear_telemetry_archive, restorable for CLEAR_TELEMETRY_ARCHIVE_DAYS',
    `  --batch-size N    the most rows per batch transaction, 1 to ${MAX_BATCH_SIZE.toLocaleString('en-US')} (default: sized by time, up to ${DEFAULT_BATCH_SIZE.toLocaleString('en-US')})`,
    '  --dry-run         show the summary and the plan, delete nothing',
    '  --force           skip the confirmation (terminal); lets a break-glass user approve their own request (Slack)',
    '  --show-summary    print the count of every status',
    '  --use-cursor      delete in one statement instead of batches',
    '  --json            print the result (or each history line) as one JSON object per line (terminal)',
    '  --help            show this help',
    '  --version         show the version',
  ].join('\n');
}
