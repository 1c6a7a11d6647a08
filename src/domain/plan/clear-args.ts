import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { STATUS_FILTERS, isStatusFilter, type StatusFilter } from './webhook-statuses.js';

/** What was asked: a purge (the Django command's flags), what is going on, or what happened. */
export type Subcommand = 'purge' | 'status' | 'history' | 'restore';

/** The flags of the Django command `clear_learnpack_telemetry_queue`, shared by the terminal and Slack. */
export interface ClearArgs {
  command: Subcommand;
  /** `--json`: one JSON object per line (the terminal's history, and its purge's final line). */
  json: boolean;
  status: StatusFilter;
  batchSize: number;
  dryRun: boolean;
  force: boolean;
  showSummary: boolean;
  useCursor: boolean;
  /** `--older-than`: keep rows created less than this long before the plan (0 keeps none). Null: not given. */
  olderThanMs: number | null;
  /** `--limit`: delete at most this many rows, oldest ids first. Null: no limit. */
  limit: number | null;
  /** `restore`: the archived purge whose rows come back (`restore 12`, or `restore --request 12`). */
  requestId: number | null;
  /** `--archive`: keep what is deleted, restorable (CLEAR_TELEMETRY_ARCHIVE decides whether it may, or must). */
  archive: boolean;
  help: boolean;
  version: boolean;
}

/** Past this a single batch transaction holds too many row locks for too long (see the benchmark). */
export const MAX_BATCH_SIZE = 100_000;
/**
 * Without `--batch-size`, the ceiling: batches start at 10,000 rows and grow towards the target
 * duration (CLEAR_TELEMETRY_TARGET_BATCH_MS) up to it. With it, the given size is the ceiling.
 */
export const DEFAULT_BATCH_SIZE = MAX_BATCH_SIZE;

const OPTIONS = {
  status: { type: 'string' },
  'batch-size': { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  'show-summary': { type: 'boolean' },
  'use-cursor': { type: 'boolean' },
  'older-than': { type: 'string' },
  limit: { type: 'string' },
  archive: { type: 'boolean' },
  request: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;
type OptionName = keyof typeof OPTIONS;
const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

export const STATUS_LIST = `${STATUS_FILTERS.slice(0, -1).join(', ')} or ${STATUS_FILTERS.at(-1)}`;

/**
 * Parses the flags of one invocation. Throws `UsageError` with a message a person can act on;
 * nothing else in the program sees unvalidated text.
 */
export function parseClearArgs(argv: readonly string[]): ClearArgs {
  const args = argv.map(normaliseFlagName);
  const { tokens } = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const seen = new Map<OptionName, string | undefined>();
  let help = false;
  let command: Subcommand = 'purge';
  for (const [index, token] of tokens.entries()) {
    if (token.kind === 'positional') {
      const word = token.value.toLowerCase();
      if (word === 'help') {
        help = true;
        continue;
      }
      if (index === 0 && (word === 'status' || word === 'history' || word === 'restore')) {
        command = word;
        continue;
      }
      if (command === 'restore' && index === 1 && !seen.has('request')) {
        seen.set('request', token.value.replace(/^#/, ''));
        continue;
      }
      throw new UsageError(`Unexpected argument '${token.value}'. Flags start with --, for example --status ERROR.`);
    }
    if (token.kind !== 'option') continue;
    const name = knownOption(token.name, token.rawName);
    if (seen.has(name)) throw new UsageError(`${flag(name)} was given more than once.`);
    if (OPTIONS[name].type === 'boolean' && token.inlineValue) {
      throw new UsageError(`${flag(name)} takes no value.`);
    }
    seen.set(name, token.value);
  }
  help ||= seen.has('help');
  if (command !== 'purge') return subcommandArgs(command, seen, help);
  return {
    command,
    json: seen.has('json'),
    status: seen.has('status') ? parseStatus(seen.get('status')) : 'PENDING',
    batchSize: seen.has('batch-size') ? parseBatchSize(seen.get('batch-size')) : DEFAULT_BATCH_SIZE,
    dryRun: seen.has('dry-run'),
    force: seen.has('force'),
    showSummary: seen.has('show-summary'),
    useCursor: seen.has('use-cursor'),
    olderThanMs: seen.has('older-than') ? parseAge(seen.get('older-than')) : null,
    limit: seen.has('limit') ? parseLimit(seen.get('limit')) : null,
    archive: seen.has('archive'),
    requestId: null,
    help,
    version: seen.has('version'),
  };
}

/**
 * Splits the text typed after `/clear-telemetry` into arguments. Slack's clients turn `--` into an
 * em or en dash and straight quotes into curly ones, so both are undone here.
 */
export function splitCommandText(text: string): string[] {
  return text
    .replace(/[\u201C\u201D\u2018\u2019"']/g, '')
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.replace(/^[\u2012\u2013\u2014\u2015\u2212]+-*(?=\w)/, '--'));
}

/** `--Batch_Size=5` reads as `--batch-size=5`: the name part only, never the value. */
function normaliseFlagName(arg: string): string {
  const match = /^(--[^=]+)(=.*)?$/s.exec(arg);
  if (!match?.[1]) return arg;
  return match[1].replaceAll('_', '-').toLowerCase() + (match[2] ?? '');
}

function knownOption(name: string, rawName: string): OptionName {
  if ((OPTION_NAMES as string[]).includes(name)) return name as OptionName;
  const suggestion = closestOption(name);
  throw new UsageError(`Unknown option ${rawName}.${suggestion ? ` Did you mean ${flag(suggestion)}?` : ''}`);
}

function parseStatus(value: string | undefined): StatusFilter {
  if (value === undefined || value.startsWith('-')) {
    throw new UsageError(`--status needs a value: ${STATUS_LIST}.`);
  }
  const status = value.toUpperCase();
  if (!isStatusFilter(status)) throw new UsageError(`'${value}' is not a status. Use ${STATUS_LIST}.`);
  return status;
}

function parseBatchSize(value: string | undefined): number {
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

export const HISTORY_DEFAULT = 10;
export const HISTORY_MAX = 50;

const SUBCOMMAND_FLAGS: Record<Exclude<Subcommand, 'purge'>, OptionName[]> = {
  status: ['json', 'help'],
  history: ['limit', 'json', 'help'],
  restore: ['request', 'dry-run', 'force', 'help'],
};

/** `status` takes no flags; `history` takes --limit (at most HISTORY_MAX) and --json; `restore` a request id. */
function subcommandArgs(
  command: Exclude<Subcommand, 'purge'>,
  seen: ReadonlyMap<OptionName, string | undefined>,
  help: boolean,
): ClearArgs {
  const stray = [...seen.keys()].find((name) => !SUBCOMMAND_FLAGS[command].includes(name));
  if (stray) throw new UsageError(`${flag(stray)} does not apply to ${command}.`);
  const limit = seen.has('limit') ? parseLimit(seen.get('limit')) : HISTORY_DEFAULT;
  if (limit > HISTORY_MAX)
    throw new UsageError(`history shows at most ${HISTORY_MAX} requests (got --limit ${limit}).`);
  const requestId = command === 'restore' && !help ? parseRequestId(seen.get('request')) : null;
  // A purge's defaults for the rest: the subcommands read none of them.
  return {
    ...parseClearArgs([]),
    command,
    json: seen.has('json'),
    limit,
    requestId,
    dryRun: seen.has('dry-run'),
    force: seen.has('force'),
    help,
  };
}

/** `restore 12`, `restore #12` or `restore --request 12`. */
function parseRequestId(value: string | undefined): number {
  const id = value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(
      `restore needs the number of an archived purge, for example restore --request 12${value === undefined ? '' : ` (got '${value}')`}.`,
    );
  }
  return id;
}

const AGE_UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m`, `6h`, `7d`, `90s`, or `0`. */
function parseAge(value: string | undefined): number {
  const match = value === undefined ? null : /^(\d{1,6})(s|m|h|d)?$/.exec(value.toLowerCase());
  const amount = Number(match?.[1]);
  if (!match || (amount > 0 && !match[2])) {
    throw new UsageError(
      `--older-than needs an age such as 30m, 6h or 7d, or 0 for every row${value === undefined ? '' : ` (got '${value}')`}.`,
    );
  }
  return amount * (match[2] ? AGE_UNITS[match[2] as keyof typeof AGE_UNITS] : 0);
}

function parseLimit(value: string | undefined): number {
  const limit = value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new UsageError(
      `--limit must be a whole number of rows, at least 1${value === undefined ? '' : ` (got '${value}')`}.`,
    );
  }
  return limit;
}

function flag(name: OptionName): string {
  return `--${name}`;
}

/** Suggests a flag for a typo such as --dryrun or --batchsize (edit distance of at most 2). */
function closestOption(name: string): OptionName | undefined {
  let best: { name: OptionName; distance: number } | undefined;
  for (const candidate of OPTION_NAMES) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
