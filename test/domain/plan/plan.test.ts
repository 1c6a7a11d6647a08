import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { ESTIMATED_ROWS_PER_SECOND, makePlan, summarize } from '../../../src/domain/plan/plan.js';
import { estimateBatches } from '../../../src/domain/run/batch-sizer.js';
import type { Census } from '../../../src/domain/ports.js';

const day = (n: number) => new Date(Date.UTC(2026, 10, n));
const allEligible = (minId: number, maxId: number, newest: Date) => ({
  young: 0,
  eligibleMinId: minId,
  eligibleMaxId: maxId,
  eligibleNewest: newest,
});
const statuses = [
  {
    status: 'DONE',
    count: 480_000,
    minId: 1,
    maxId: 599_999,
    oldest: day(1),
    newest: day(20),
    ...allEligible(1, 599_999, day(20)),
  },
  {
    status: 'ERROR',
    count: 90_000,
    minId: 17,
    maxId: 599_998,
    oldest: day(2),
    newest: day(19),
    ...allEligible(17, 599_998, day(19)),
  },
  {
    status: 'PENDING',
    count: 400_000,
    minId: 600_001,
    maxId: 1_000_000,
    oldest: day(21),
    newest: day(28),
    ...allEligible(600_001, 1_000_000, day(28)),
  },
  { status: 'WEIRD', count: 3, minId: 10, maxId: 12, oldest: day(3), newest: day(3), ...allEligible(10, 12, day(3)) },
];
const census: Census = { statuses, snapshot: '1000:1004:1001,1003', cutoff: null };
const policy = { nativeMaxRows: 50_000, maxRowsPerSecond: 0, batchPauseMs: 10, batchPausePercent: 10 };
const now = day(28);

describe('makePlan', () => {
  it('plans a large set in bounded batches, from the first matching id to the watermark', () => {
    const plan = makePlan(census, { status: 'PENDING', batchSize: null, useCursor: false }, policy, now);
    expect(plan).toMatchObject({
      status: 'PENDING',
      matching: 400_000,
      watermark: 1_000_000,
      firstId: 600_001,
      oldest: day(21),
      newest: day(28),
      method: 'batch',
      methodReason:
        '400,000 rows is over 50,000, so batches of short transactions keep the locks brief (the old command used one long statement here; --use-cursor asks for that)',
      batches: 7,
      batchSize: 100_000,
      plannedAt: now,
      snapshot: '1000:1004:1001,1003',
    });
    const working = (400_000 / ESTIMATED_ROWS_PER_SECOND) * 1000;
    expect(plan.estimatedMs).toBe(Math.round(working * 1.1 + 6 * 10));
  });

  it('uses one statement for a small set, and when --use-cursor asks for it', () => {
    const small = makePlan(census, { status: 'WEIRD' as never, batchSize: null, useCursor: false }, policy, now);
    expect(small).toMatchObject({
      method: 'native',
      batches: 1,
      matching: 3,
      methodReason:
        '3 rows is at most 50,000, so one short statement is fastest (the old command used batches here; --batch-size N asks for them)',
    });
    const forced = makePlan(census, { status: 'DONE', batchSize: null, useCursor: true }, policy, now);
    expect(forced).toMatchObject({
      method: 'native',
      methodReason: "--use-cursor asks for one statement, as the old command's --use-cursor did",
      batches: 1,
    });
  });

  it('uses batches whenever --batch-size is given or a rows-per-second ceiling is set, however small the set', () => {
    const sized = makePlan(census, { status: 'WEIRD' as never, batchSize: 2, useCursor: false }, policy, now);
    expect(sized).toMatchObject({
      method: 'batch',
      batchSize: 2,
      batches: 2,
      methodReason:
        "--batch-size 2 aims each batch at up to 2 rows, as the old command's batches (a batch is an id range, so it can hold more where matching rows bunch up)",
    });
    const paced = makePlan(
      census,
      { status: 'WEIRD' as never, batchSize: null, useCursor: false },
      { ...policy, maxRowsPerSecond: 2_000 },
      now,
    );
    expect(paced).toMatchObject({
      method: 'batch',
      methodReason:
        'a ceiling of 2,000 rows/s is set (CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND), and only batches can keep to it',
    });
  });

  it('treats ALL as every status, still bounded by the watermark', () => {
    const plan = makePlan(census, { status: 'ALL', batchSize: 50_000, useCursor: false }, policy, now);
    expect(plan).toMatchObject({
      matching: 970_003,
      watermark: 1_000_000,
      firstId: 1,
      oldest: day(1),
      newest: day(28),
      batches: 22,
    });
  });

  it('has nothing to do on an empty table', () => {
    const plan = makePlan(
      { statuses: [], snapshot: null, cutoff: null },
      { status: 'ERROR', batchSize: 10_000, useCursor: false },
      policy,
      now,
    );
    expect(plan).toMatchObject({
      matching: 0,
      watermark: null,
      firstId: null,
      snapshot: null,
      oldest: null,
      newest: null,
      batches: 0,
      estimatedMs: 0,
    });
  });

  it('slows the estimate to a configured ceiling', () => {
    const plan = makePlan(
      census,
      { status: 'ERROR', batchSize: 10_000, useCursor: false },
      { ...policy, maxRowsPerSecond: 1_000 },
      now,
    );
    // ERROR rows are spread over ids 17..599,998, nothing above is touched; batches hold about
    // 10,000 rows each (about 66,000 ids), however thinly ERROR is spread.
    expect(plan).toMatchObject({ firstId: 17, watermark: 599_998, batches: 9 });
    // 90,000 ERROR rows at 1,000 rows/s: the ceiling's time, which the rests fit inside.
    expect(plan.estimatedMs).toBe(90_000);
  });

  it('refuses --use-cursor under a ceiling, which one statement could not keep', () => {
    const paced = { ...policy, maxRowsPerSecond: 1_000 };
    expect(() => makePlan(census, { status: 'ERROR', batchSize: null, useCursor: true }, paced, now)).toThrow(
      new UsageError(
        '--use-cursor deletes in one statement, which cannot be paced, and a ceiling of 1,000 rows/s (CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND) is set here. Leave out --use-cursor: batches keep to the ceiling.',
      ),
    );
  });
});

describe('summarize', () => {
  it('lists every known status, zero included, then the others, with the total', () => {
    expect(summarize(statuses.slice(2))).toEqual({
      rows: [
        { status: 'DONE', count: 0 },
        { status: 'ERROR', count: 0 },
        { status: 'IGNORED', count: 0 },
        { status: 'PENDING', count: 400_000 },
        { status: 'WEIRD', count: 3 },
      ],
      total: 400_003,
    });
  });
});

describe('makePlan at its edges', () => {
  const row = (status: string, minId: number, maxId: number, count: number, young = 0) => ({
    status,
    count,
    minId,
    maxId,
    oldest: day(1),
    newest: day(9),
    young,
    eligibleMinId: count > young ? minId : null,
    eligibleMaxId: count > young ? maxId - young : null,
    eligibleNewest: count > young ? day(8) : null,
  });
  const pendingCutoff = { before: day(28), appliesTo: 'PENDING' as const };
  const withCutoff = { ...policy, pendingMinAgeMs: 0 };

  it('bounds the plan by eligible rows only: a status whose rows are all too young adds nothing', () => {
    const census: Census = {
      statuses: [row('PENDING', 100, 200, 5, 5), row('ERROR', 10, 20, 4)],
      snapshot: '1:2:',
      cutoff: null,
    };
    const plan = makePlan(census, { status: 'ALL', batchSize: 5, useCursor: false }, policy, now);
    expect(plan).toMatchObject({
      matching: 4,
      kept: 5,
      firstId: 10,
      watermark: 20,
      newest: day(8),
      newestPending: null,
    });
    const pending = makePlan(
      { ...census, statuses: [row('PENDING', 100, 200, 5, 2)] },
      { status: 'PENDING', batchSize: 5, useCursor: false },
      policy,
      now,
    );
    expect(pending).toMatchObject({ matching: 3, kept: 2, watermark: 198, newestPending: day(8) });
  });

  it("refuses a census taken with another cut-off than the plan's", () => {
    const census: Census = { statuses: [], snapshot: null, cutoff: pendingCutoff };
    expect(() => makePlan(census, { status: 'ERROR', batchSize: 5, useCursor: false }, withCutoff, now)).toThrow(
      'another age cut-off',
    );
    expect(() =>
      makePlan(
        { ...census, cutoff: { ...pendingCutoff, appliesTo: 'all' } },
        { status: 'ERROR', batchSize: 5, useCursor: false },
        withCutoff,
        now,
        pendingCutoff as never,
      ),
    ).toThrow('another age cut-off');
  });

  it('keeps no snapshot when nothing matches, and chooses one statement at exactly the native limit', () => {
    const census: Census = { statuses: [row('ERROR', 1, 10, 10)], snapshot: '5:9:', cutoff: null };
    expect(makePlan(census, { status: 'DONE', batchSize: null, useCursor: false }, policy, now)).toMatchObject({
      matching: 0,
      snapshot: null,
      batches: 0,
    });
    expect(
      makePlan(census, { status: 'ERROR', batchSize: null, useCursor: false }, { ...policy, nativeMaxRows: 10 }, now)
        .method,
    ).toBe('native');
    expect(
      makePlan(census, { status: 'ERROR', batchSize: null, useCursor: false }, { ...policy, nativeMaxRows: 9 }, now),
    ).toMatchObject({ method: 'batch', batches: 1 });
  });

  it('marks a plan over the row cap only above it, and never without a cap', () => {
    const census: Census = { statuses: [row('ERROR', 1, 10, 10)], snapshot: '5:9:', cutoff: null };
    const ask = { status: 'ERROR' as const, batchSize: 5, useCursor: false };
    expect(makePlan(census, ask, { ...policy, maxRows: 10 }, now).overCap).toBeNull();
    expect(makePlan(census, ask, { ...policy, maxRows: 9 }, now).overCap).toBe(9);
    expect(makePlan(census, ask, { ...policy, maxRows: null }, now).overCap).toBeNull();
  });
});

describe('estimateBatches', () => {
  it('counts batches that double from the first row target up to the ceiling', () => {
    expect(estimateBatches(0, 10, 100)).toBe(0);
    expect(estimateBatches(10, 10, 10)).toBe(1);
    expect(estimateBatches(11, 10, 10)).toBe(2);
    // 10 + 20 + 40 + 80 = 150, then 100 at a time.
    expect(estimateBatches(150, 10, 100)).toBe(4);
    expect(estimateBatches(151, 10, 100)).toBe(5);
    expect(estimateBatches(350, 10, 100)).toBe(6);
  });
});

describe('the archive size estimate', () => {
  // 970,003 live rows in 970 MB: about 1,000 bytes a row.
  const sized = { ...census, tableBytes: 970_003_000 };

  it('is the table bytes per row version times the rows to delete', () => {
    const plan = makePlan(
      { ...sized, tableRowVersions: 970_003 },
      { status: 'ERROR', batchSize: 10_000, useCursor: false, archive: true },
      policy,
      now,
    );
    expect(plan.undo).toEqual({ kind: 'archive', days: 7, bytes: 90_000_000 });
  });

  it('counts dead rows a purge left in the files until VACUUM, so it does not double after one', () => {
    // The same files after 970,003 more rows were deleted: half the versions are dead.
    const plan = makePlan(
      { ...sized, tableRowVersions: 1_940_006 },
      { status: 'ERROR', batchSize: 10_000, useCursor: false, archive: true },
      policy,
      now,
    );
    expect(plan.undo).toEqual({ kind: 'archive', days: 7, bytes: 45_000_000 });
  });

  it('falls back to the census count without statistics', () => {
    const plan = makePlan(
      { ...sized, tableRowVersions: null },
      { status: 'ERROR', batchSize: 10_000, useCursor: false, archive: true },
      policy,
      now,
    );
    expect(plan.undo).toEqual({ kind: 'archive', days: 7, bytes: 90_000_000 });
  });
});
