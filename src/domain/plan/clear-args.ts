import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import type { StatusFilter } from './webhook-statuses.js';
import { parseAge, parseBatchSize, parseLimit, parseReason, parseRequestId, parseStatus } from './flag-values.js';

/**
 * What was asked: a purge (the Django command's flags), what is going on or what happened, a restore,
 * a person's control of a request (stop, pause, continue, resume, cancel), the bot's migrations, or
 * the retention policies.
 */
export type Subcommand = 'purge' | 'status' | 'history' | 'restore' | 'migrate' | 'policies' | ControlVerb;

/** What a person may do to a request by its number, as its buttons do. */
export const CONTROL_VERBS = ['stop', 'pause', 'continue', 'resume', 'cancel'] as const;
export type ControlVerb = (typeof CONTROL_VERBS)[number];

/** The flags of the Django command `clear_learnpack_telemetry_queue`, shared by the terminal and Slack. */
export interface ClearArgs {
  command: Subcommand;
  /** `--json`: one JSON object per line (the terminal's history, and its purge's final line). */
  json: boolean;
  /**
   * `--status`; null when it was not given. Slack then shows help and status (a deletion request must
   * name its rows); the terminal keeps the Django command's default, PENDING.
   */
  status: StatusFilter | null;
  /** `--batch-size`; null when not given (batches are then sized by time, up to DEFAULT_BATCH_SIZE). */
  batchSize: number | null;
  dryRun: boolean;
  force: boolean;
  showSummary: boolean;
  useCursor: boolean;
  /** `--older-than`: keep rows created less than this long before the plan (0 keeps none). Null: not given. */
  olderThanMs: number | null;
  /** `--limit`: delete at most this many rows, oldest ids first. Null: no limit. */
  limit: number | null;
  /** The request a restore or a control verb acts on (`restore 12`, `resume --request 12`). */
  requestId: number | null;
  /** `--archive`: keep what is deleted, restorable (CLEAR_TELEMETRY_ARCHIVE decides whether it may, or must). */
  archive: boolean;
  /** `--unrecorded` (terminal only): delete on a database without the bot's ledger, with no record and no lock. */
  unrecorded: boolean;
  /** `--reason`: an incident or ticket reference, or one sentence; shown wherever the request is. Null: none. */
  reason: string | null;
  /** `policies --check FILE`: the policy file to validate. */
  checkFile: string | null;
  help: boolean;
  version: boolean;
}

/** A purge's flags once its status is known (given, or the terminal's default). */
export type PurgeArgs = ClearArgs & { status: StatusFilter };

/** The terminal's status when none is given: the Django command's default. */
export const TERMINAL_DEFAULT_STATUS: StatusFilter = 'PENDING';

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
  unrecorded: { type: 'boolean' },
  reason: { type: 'string' },
  request: { type: 'string' },
  check: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;
type OptionName = keyof typeof OPTIONS;
const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

/** Words that name a subcommand when they come first. */
const SUBCOMMANDS: readonly Exclude<Subcommand, 'purge'>[] = [
  'status',
  'history',
  'restore',
  'migrate',
  'policies',
  ...CONTROL_VERBS,
];

/** Subcommands that act on one request, named by its number. */
const BY_REQUEST: readonly Subcommand[] = ['restore', ...CONTROL_VERBS];

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
      if (index === 0 && (SUBCOMMANDS as readonly string[]).includes(word)) {
        command = word as Subcommand;
        continue;
      }
      if (BY_REQUEST.includes(command) && index === 1 && !seen.has('request')) {
        seen.set('request', token.value.replace(/^#/, ''));
        continue;
      }
      throw new UsageError(unexpected(token.value, seen));
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
  const stray = (['request', 'check'] as const).find((name) => seen.has(name));
  if (stray) throw new UsageError(`${flag(stray)} does not apply to a purge.`);
  const batchSize = seen.has('batch-size') ? parseBatchSize(seen.get('batch-size')) : null;
  if (batchSize !== null && seen.has('use-cursor')) {
    throw new UsageError('--use-cursor deletes in one statement and --batch-size sizes batches: give one of them.');
  }
  return {
    ...NO_FLAGS,
    command,
    json: seen.has('json'),
    status: seen.has('status') ? parseStatus(seen.get('status')) : null,
    batchSize,
    dryRun: seen.has('dry-run'),
    force: seen.has('force'),
    showSummary: seen.has('show-summary'),
    useCursor: seen.has('use-cursor'),
    olderThanMs: seen.has('older-than') ? parseAge(seen.get('older-than')) : null,
    limit: seen.has('limit') ? parseLimit(seen.get('limit')) : null,
    archive: seen.has('archive'),
    unrecorded: seen.has('unrecorded'),
    reason: seen.has('reason') ? parseReason(seen.get('reason')) : null,
    help,
    version: seen.has('version'),
  };
}

/** Every flag unset: what a subcommand carries for the flags it does not read. */
const NO_FLAGS: ClearArgs = {
  command: 'purge',
  json: false,
  status: null,
  batchSize: null,
  dryRun: false,
  force: false,
  showSummary: false,
  useCursor: false,
  olderThanMs: null,
  limit: null,
  requestId: null,
  archive: false,
  unrecorded: false,
  reason: null,
  checkFile: null,
  help: false,
  version: false,
};

/** A stray word: after --reason it is most likely the rest of an unquoted reason. */
function unexpected(word: string, seen: ReadonlyMap<OptionName, string | undefined>): string {
  if (seen.has('reason')) {
    return `Unexpected argument '${word}'. A reason of several words goes in quotes: --reason "INC-1234 queue full".`;
  }
  return `Unexpected argument '${word}'. Flags start with --, for example --status ERROR.`;
}

/**
 * Splits the text typed after `/clear-telemetry` into arguments. Slack's clients turn `--` into an
 * em or en dash and straight quotes into curly ones, so both are undone here. Double quotes (straight
 * or curly) keep several words together (`--reason "INC-1234 queue full"`); single quotes around a
 * word are dropped, and inside a word they stay (an apostrophe).
 */
export function splitCommandText(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/[\u201C\u201D"]([^\u201C\u201D"]*)[\u201C\u201D"]?|[^\s]+/g)) {
    const quoted = match[1];
    if (quoted !== undefined) {
      if (quoted.trim()) words.push(quoted.trim());
      continue;
    }
    const word = match[0].replace(/^[\u2018\u2019']+|[\u2018\u2019']+$/g, '');
    if (word) words.push(word.replace(/^[\u2012\u2013\u2014\u2015\u2212]+-*(?=\w)/, '--'));
  }
  return words;
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

export const HISTORY_DEFAULT = 10;
export const HISTORY_MAX = 50;

const SUBCOMMAND_FLAGS: Record<Exclude<Subcommand, 'purge'>, OptionName[]> = {
  status: ['json', 'help'],
  history: ['limit', 'json', 'help'],
  restore: ['request', 'dry-run', 'force', 'reason', 'help'],
  migrate: ['help'],
  policies: ['check', 'help'],
  stop: ['request', 'help'],
  pause: ['request', 'help'],
  continue: ['request', 'help'],
  resume: ['request', 'force', 'help'],
  cancel: ['request', 'help'],
};

/**
 * `status` and `migrate` take no flags; `history` takes --limit (at most HISTORY_MAX) and --json;
 * `restore` and the control verbs a request number; `policies` an optional --check FILE.
 */
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
  const requestId = BY_REQUEST.includes(command) && !help ? parseRequestId(command, seen.get('request')) : null;
  const checkFile = seen.get('check');
  if (seen.has('check') && !checkFile) throw new UsageError('--check needs the path of a policy file.');
  return {
    ...NO_FLAGS,
    command,
    json: seen.has('json'),
    limit: command === 'history' ? limit : null,
    requestId,
    dryRun: seen.has('dry-run'),
    force: seen.has('force'),
    reason: seen.has('reason') ? parseReason(seen.get('reason')) : null,
    checkFile: checkFile ?? null,
    help,
  };
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
