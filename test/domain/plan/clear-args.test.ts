import { describe, expect, it } from 'vitest';
import { parseClearArgs, splitCommandText } from '../../../src/domain/plan/clear-args.js';
import { usage } from '../../../src/domain/plan/usage.js';
import { UsageError } from '../../../src/errors.js';

const defaults = {
  command: 'purge',
  json: false,
  olderThanMs: null,
  limit: null,
  status: null,
  batchSize: null,
  dryRun: false,
  force: false,
  showSummary: false,
  useCursor: false,
  archive: false,
  unrecorded: false,
  reason: null,
  checkFile: null,
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
    [['status'], { command: 'status' }],
    [['history'], { command: 'history', limit: 10 }],
    [['history', '--limit', '50', '--json'], { command: 'history', limit: 50, json: true }],
    [['--status', 'ERROR', '--archive'], { status: 'ERROR', archive: true }],
    [['restore', '--request', '12'], { command: 'restore', requestId: 12 }],
    [['restore', '12', '--dry-run'], { command: 'restore', requestId: 12, dryRun: true }],
    [['restore', '#7', '--force'], { command: 'restore', requestId: 7, force: true }],
    [['resume', '17'], { command: 'resume', requestId: 17 }],
    [['resume', '--request', '17', '--force'], { command: 'resume', requestId: 17, force: true }],
    [['stop', '#3'], { command: 'stop', requestId: 3 }],
    [['pause', '3'], { command: 'pause', requestId: 3 }],
    [['continue', '3'], { command: 'continue', requestId: 3 }],
    [['cancel', '3'], { command: 'cancel', requestId: 3 }],
    [['migrate'], { command: 'migrate' }],
    [['policies', '--check', 'p.yml'], { command: 'policies', checkFile: 'p.yml' }],
    [['--status', 'DONE', '--unrecorded'], { status: 'DONE', unrecorded: true }],
    [['--status', 'DONE', '--reason', 'INC-1234 queue full'], { status: 'DONE', reason: 'INC-1234 queue full' }],
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
    [
      ['--use-cursor', '--batch-size', '500'],
      '--use-cursor deletes in one statement and --batch-size sizes batches: give one of them.',
    ],
    [['--reason'], '--reason needs a few words: an incident or ticket, for example --reason INC-1234.'],
    [['--reason', 'x'.repeat(201)], '--reason is at most 200 characters (got 201).'],
    [['--reason', 'bell\u0007'], '--reason must be plain text on one line.'],
    [
      ['--reason', 'INC-1', 'queue', 'full'],
      'Unexpected argument \'queue\'. A reason of several words goes in quotes: --reason "INC-1234 queue full".',
    ],
    [['--request', '3'], '--request does not apply to a purge.'],
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
    ['--reason "INC-12 queue full" --status DONE', ['--reason', 'INC-12 queue full', '--status', 'DONE']],
    ['—reason “INC-12: the worker’s queue” —dry-run', ['--reason', 'INC-12: the worker’s queue', '--dry-run']],
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
    [['resume'], 'resume needs a request number, for example resume --request 12.'],
    [['stop', '3', '--force'], '--force does not apply to stop.'],
    [
      ['restore', 'latest'],
      "restore needs the number of an archived purge, for example restore --request 12 (got 'latest').",
    ],
    [['restore', '3', '--status', 'ERROR'], '--status does not apply to restore.'],
    [['restore', '3', '--archive'], '--archive does not apply to restore.'],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseClearArgs(argv)).toThrow(new UsageError(message));
  });

  it('folds a reason typed over several lines into one', () => {
    expect(parseClearArgs(['--status', 'DONE', '--reason', ' two\n lines '])).toMatchObject({ reason: 'two lines' });
  });

  it("names, in Slack, the subcommands and every flag, and only the terminal's own in the terminal", () => {
    const slack = usage('/clear-telemetry');
    expect(slack).toContain('/clear-telemetry stop|pause|continue|resume|cancel N');
    expect(slack).toContain(
      '--status STATUS   which webhooks to delete: PENDING, DONE, IGNORED, ERROR or ALL (required)',
    );
    for (const terminalOnly of ['--json', '--unrecorded', 'migrate', 'policies'])
      expect(slack).not.toContain(terminalOnly);
    const terminal = usage('clear-telemetry');
    expect(terminal).toContain('(default PENDING, as the Django command; Slack requires it)');
    for (const flag of [
      '--json',
      '--unrecorded',
      'migrate',
      'policies [--check FILE]',
      'restore --request N',
      'resume|cancel --request N',
    ]) {
      expect(terminal).toContain(flag);
    }
    const text = slack;
    for (const flag of [
      '--status',
      '--older-than',
      '--limit',
      '--archive',
      '--reason',
      'status',
      'history',
      'restore N',
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
