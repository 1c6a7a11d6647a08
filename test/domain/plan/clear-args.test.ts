import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE, parseClearArgs, splitCommandText } from '../../../src/domain/plan/clear-args.js';
import { usage } from '../../../src/domain/plan/usage.js';
import { UsageError } from '../../../src/errors.js';

const defaults = {
  command: 'purge',
  json: false,
  olderThanMs: null,
  limit: null,
  status: 'PENDING',
  batchSize: DEFAULT_BATCH_SIZE,
  dryRun: false,
  force: false,
  showSummary: false,
  useCursor: false,
  archive: false,
  requestId: null,
  help: false,
  version: false,
};

describe('parseClearArgs', () => {
  it.each([
    [[], {}],
    [['--status', 'ERROR'], { status: 'ERROR' }],
    [['--status=DONE'], { status: 'DONE' }],
    [['--status', 'error'], { status: 'ERROR' }],
    [['--status', 'ALL', '--batch-size', '500'], { status: 'ALL', batchSize: 500 }],
    [['--batch-size=100000'], { batchSize: 100_000 }],
    [['--batch_size', '7'], { batchSize: 7 }],
    [
      ['--dry-run', '--force', '--show-summary', '--use-cursor'],
      { dryRun: true, force: true, showSummary: true, useCursor: true },
    ],
    [['--help'], { help: true }],
    [['-h'], { help: true }],
    [['help'], { help: true }],
    [['--version'], { version: true }],
    [['--older-than', '30m', '--limit', '500', '--json'], { olderThanMs: 1_800_000, limit: 500, json: true }],
    [['--older-than', '6h'], { olderThanMs: 21_600_000 }],
    [['--older-than=7d'], { olderThanMs: 604_800_000 }],
    [['--older-than', '90s'], { olderThanMs: 90_000 }],
    [['--older-than', '0'], { olderThanMs: 0 }],
    [['status'], { command: 'status', limit: 10 }],
    [['history'], { command: 'history', limit: 10 }],
    [['history', '--limit', '50', '--json'], { command: 'history', limit: 50, json: true }],
    [['--status', 'ERROR', '--archive'], { status: 'ERROR', archive: true }],
    [['restore', '--request', '12'], { command: 'restore', limit: 10, requestId: 12 }],
    [['restore', '12', '--dry-run'], { command: 'restore', limit: 10, requestId: 12, dryRun: true }],
    [['restore', '#7', '--force'], { command: 'restore', limit: 10, requestId: 7, force: true }],
  ])('%j', (argv, expected) => {
    expect(parseClearArgs(argv)).toEqual({ ...defaults, ...expected });
  });

  it.each([
    [['--status', 'BOGUS'], "'BOGUS' is not a status. Use PENDING, DONE, IGNORED, ERROR or ALL."],
    [['--status'], '--status needs a value: PENDING, DONE, IGNORED, ERROR or ALL.'],
    [['--status', '--force'], '--status needs a value: PENDING, DONE, IGNORED, ERROR or ALL.'],
    [['--batch-size', '0'], "--batch-size must be a whole number from 1 to 100,000 (got '0')."],
    [['--batch-size', '-5'], "--batch-size must be a whole number from 1 to 100,000 (got '-5')."],
    [['--batch-size', 'abc'], "--batch-size must be a whole number from 1 to 100,000 (got 'abc')."],
    [['--batch-size', '1.5'], "--batch-size must be a whole number from 1 to 100,000 (got '1.5')."],
    [['--batch-size', '100001'], "--batch-size must be a whole number from 1 to 100,000 (got '100001')."],
    [['--batch-size'], '--batch-size needs a value: a whole number from 1 to 100,000.'],
    [['--dryrun'], 'Unknown option --dryrun. Did you mean --dry-run?'],
    [['--everything'], 'Unknown option --everything.'],
    [['ERROR'], "Unexpected argument 'ERROR'. Flags start with --, for example --status ERROR."],
    [['--force=yes'], '--force takes no value.'],
    [['--status', 'DONE', '--status', 'ERROR'], '--status was given more than once.'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseClearArgs(argv)).toThrow(new UsageError(message));
  });
});

describe('splitCommandText', () => {
  it.each([
    ['--status ERROR', ['--status', 'ERROR']],
    ['  —status   ERROR  —dry-run ', ['--status', 'ERROR', '--dry-run']],
    ['–status DONE –batch-size 500', ['--status', 'DONE', '--batch-size', '500']],
    ['—-status “ERROR”', ['--status', 'ERROR']],
    ["--status 'ALL'", ['--status', 'ALL']],
    ['help', ['help']],
    ['', []],
  ])('%j', (text, expected) => {
    expect(splitCommandText(text)).toEqual(expected);
  });

  it('parses what Slack sends with smart punctuation', () => {
    expect(parseClearArgs(splitCommandText('—status error —batch-size 2,000'.replace(',', '')))).toMatchObject({
      status: 'ERROR',
      batchSize: 2000,
    });
  });
});

describe('usage', () => {
  it.each([
    [['--older-than', '30'], "--older-than needs an age such as 30m, 6h or 7d, or 0 for every row (got '30')."],
    [['--older-than', '1w'], "--older-than needs an age such as 30m, 6h or 7d, or 0 for every row (got '1w')."],
    [['--limit', '0'], "--limit must be a whole number of rows, at least 1 (got '0')."],
    [['--limit', 'all'], "--limit must be a whole number of rows, at least 1 (got 'all')."],
    [['history', '--limit', '51'], 'history shows at most 50 requests (got --limit 51).'],
    [['status', '--force'], '--force does not apply to status.'],
    [['history', '--status', 'ERROR'], '--status does not apply to history.'],
    [['--force', 'status'], "Unexpected argument 'status'. Flags start with --, for example --status ERROR."],
    [['restore'], 'restore needs the number of an archived purge, for example restore --request 12.'],
    [
      ['restore', 'latest'],
      "restore needs the number of an archived purge, for example restore --request 12 (got 'latest').",
    ],
    [['restore', '3', '--status', 'ERROR'], '--status does not apply to restore.'],
    [['restore', '3', '--archive'], '--archive does not apply to restore.'],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseClearArgs(argv)).toThrow(new UsageError(message));
  });

  it('names the program, the subcommands and every flag', () => {
    const text = usage('/clear-telemetry');
    for (const flag of [
      '--status',
      '--older-than',
      '--limit',
      '--archive',
      '--json',
      'status',
      'history',
      'restore --request N',
      '--batch-size',
      '--dry-run',
      '--force',
      '--show-summary',
      '--use-cursor',
      '--help',
    ]) {
      expect(text).toContain(flag);
    }
    expect(text.startsWith('Usage: /clear-telemetry')).toBe(true);
  });
});
