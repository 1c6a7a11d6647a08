import { UsageError } from '../../errors.js';
import { STATUS_FILTERS, isStatusFilter, type StatusFilter } from './webhook-statuses.js';

/**
 * What each flag's value may be, and the words that say so when it is not: the limits and parsers
 * that clear-args.ts applies to argv and to Slack's text alike. Each throws a UsageError that names
 * the flag, what it takes, and what was typed.
 */

/** Past this a single batch transaction holds too many row locks for too long (see the benchmark). */
export const MAX_BATCH_SIZE = 100_000;
/**
 * Without `--batch-size`, the ceiling: batches start at 10,000 rows and grow towards the target
 * duration (CLEAR_TELEMETRY_TARGET_BATCH_MS) up to it. With it, the given size is the ceiling.
 */
export const DEFAULT_BATCH_SIZE = MAX_BATCH_SIZE;

/** A reason is one line a person reads in a channel: long enough for a ticket and a sentence. */
export const MAX_REASON_LENGTH = 200;

export const STATUS_LIST = `${STATUS_FILTERS.slice(0, -1).join(', ')} or ${STATUS_FILTERS.at(-1)}`;

export function parseStatus(value: string | undefined): StatusFilter {
  if (value === undefined || value.startsWith('-')) {
    throw new UsageError(`--status needs a value: ${STATUS_LIST}.`);
  }
  const status = value.toUpperCase();
  if (!isStatusFilter(status)) throw new UsageError(`'${value}' is not a status. Use ${STATUS_LIST}.`);
  return status;
}

export function parseBatchSize(value: string | undefined): number {
  const range = `a whole number from 1 to ${MAX_BATCH_SIZE.toLocaleString('en-US')}`;
  if (value === undefined || (value.startsWith('-') && !/^-\d+$/.test(value))) {
    throw new UsageError(`--batch-size needs a value: ${range}.`);
  }
  const size = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_BATCH_SIZE) {
    throw new UsageError(`--batch-size must be ${range} (got '${value}').`);
  }
  return size;
}

/** `restore 12`, `resume #12` or `stop --request 12`. */
export function parseRequestId(command: string, value: string | undefined): number {
  const id = value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    const what = command === 'restore' ? 'the number of an archived purge' : 'a request number';
    throw new UsageError(
      `${command} needs ${what}, for example ${command} --request 12${value === undefined ? '' : ` (got '${value}')`}.`,
    );
  }
  return id;
}

/**
 * A reason is user text shown in a channel and the ledger: one line, printable, at most
 * MAX_REASON_LENGTH characters. It is escaped where it is shown, never parsed.
 */
export function parseReason(value: string | undefined): string {
  const reason = (value ?? '').replace(/\s+/g, ' ').trim();
  if (!reason || reason.startsWith('--')) {
    throw new UsageError('--reason needs a few words: an incident or ticket, for example --reason INC-1234.');
  }
  // Control characters (other than the whitespace folded above) have no place in a one-line reason.
  // eslint-disable-next-line no-control-regex -- the point is to find control characters
  if (/[\u0000-\u001f\u007f]/.test(reason)) throw new UsageError('--reason must be plain text on one line.');
  if (reason.length > MAX_REASON_LENGTH) {
    throw new UsageError(`--reason is at most ${MAX_REASON_LENGTH} characters (got ${reason.length}).`);
  }
  return reason;
}

const AGE_UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m`, `6h`, `7d`, `90s`, or `0`. */
export function parseAge(value: string | undefined): number {
  const match = value === undefined ? null : /^(\d{1,6})(s|m|h|d)?$/.exec(value.toLowerCase());
  const amount = Number(match?.[1]);
  if (!match || (amount > 0 && !match[2])) {
    throw new UsageError(
      `--older-than needs an age such as 30m, 6h or 7d, or 0 for every row${value === undefined ? '' : ` (got '${value}')`}.`,
    );
  }
  return amount * (match[2] ? AGE_UNITS[match[2] as keyof typeof AGE_UNITS] : 0);
}

export function parseLimit(value: string | undefined): number {
  const limit = value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new UsageError(
      `--limit must be a whole number of rows, at least 1${value === undefined ? '' : ` (got '${value}')`}.`,
    );
  }
  return limit;
}
