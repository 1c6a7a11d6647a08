import { beforeEach, describe, expect, it } from 'vitest';
import { planCutoff, planPurge, type PlanPolicy, type PlanRequest } from '../../../src/domain/plan/plan.js';
import { purge } from '../../../src/domain/run/purge.js';
import { gateSentences } from '../../../src/domain/wording/sentences.js';
import { insertWebhooksAt, remainingIds, truncateWebhooks } from '../../helpers/webhooks.js';
import { useScratchOrm } from '../../helpers/scratch-orm.js';
import { UNPACED } from '../../helpers/records.js';

/** The plan's gates on real PostgreSQL: the age cut-off (--older-than, PENDING's minimum age), --limit and the row cap. */
const scratch = useScratchOrm();

const settings = UNPACED;
const batches: PlanPolicy = {
  nativeMaxRows: 0,
  maxRowsPerSecond: 0,
  batchPauseMs: 0,
  batchPausePercent: 0,
  pendingMinAgeMs: 10 * 60_000,
};
const native: PlanPolicy = { ...batches, nativeMaxRows: Number.MAX_SAFE_INTEGER };
const now = new Date('2026-11-29T03:10:00.000Z');
const minutesAgo = (minutes: number, ms = 0) => new Date(now.getTime() - minutes * 60_000 + ms);

const insertAt = (rows: [string, Date][]) => insertWebhooksAt(scratch.db.client, rows);

const request = (overrides: Partial<PlanRequest>): PlanRequest => ({
  status: 'PENDING',
  batchSize: 2,
  useCursor: false,
  olderThanMs: null,
  limit: null,
  ...overrides,
});
const planOf = (overrides: Partial<PlanRequest>, policy = batches) =>
  planPurge((cutoff) => scratch.queue.census(cutoff), scratch.queue, request(overrides), policy, now);

beforeEach(async () => {
  await truncateWebhooks(scratch.db.client);
});

describe('the age cut-off', () => {
  it('is fixed when planned, rounded down to the second; --older-than 0 keeps nothing back', () => {
    const at = new Date('2026-11-29T03:10:00.750Z');
    expect(planCutoff(request({ olderThanMs: 30 * 60_000 }), batches, at)).toEqual({
      before: new Date('2026-11-29T02:40:00.000Z'),
      appliesTo: 'all',
      ageMs: 30 * 60_000,
      source: 'older-than',
    });
    expect(planCutoff(request({}), batches, at)).toEqual({
      before: new Date('2026-11-29T03:00:00.000Z'),
      appliesTo: 'PENDING',
      ageMs: 600_000,
      source: 'pending-min-age',
    });
    expect(planCutoff(request({ status: 'ALL' }), batches, at)?.appliesTo).toBe('PENDING');
    expect(planCutoff(request({ status: 'ERROR' }), batches, at)).toBeNull();
    expect(planCutoff(request({ olderThanMs: 0 }), batches, at)).toBeNull();
    expect(planCutoff(request({}), { ...batches, pendingMinAgeMs: 0 }, at)).toBeNull();
  });

  it.each([
    ['batches', batches],
    ['one statement', native],
  ])('--older-than keeps every row created at or after the cut-off, exactly (%s)', async (_, policy) => {
    const ids = await insertAt([
      ['ERROR', minutesAgo(90)],
      ['DONE', minutesAgo(45)],
      ['ERROR', minutesAgo(30, -1)],
      ['ERROR', minutesAgo(30)],
      ['ERROR', minutesAgo(29)],
      ['ERROR', minutesAgo(1)],
    ]);
    const plan = await planOf({ status: 'ERROR', olderThanMs: 30 * 60_000 }, policy);
    expect(plan).toMatchObject({ matching: 2, kept: 3, firstId: ids[0], watermark: ids[2] });
    expect(gateSentences(plan)).toEqual([
      'Only rows created before 2026-11-29 02:40:00 UTC (--older-than 30 min); kept: 3 newer rows',
    ]);

    const outcome = await purge(plan, scratch.queue, settings);
    expect(outcome).toMatchObject({ state: 'completed', deleted: 2 });
    expect(await remainingIds(scratch.db.client)).toEqual([ids[1], ids[3], ids[4], ids[5]]);
  });

  it.each([
    ['batches', batches],
    ['one statement', native],
  ])('keeps young PENDING rows that lie below the watermark, under ALL (%s)', async (_, policy) => {
    const ids = await insertAt([
      ['PENDING', minutesAgo(60)],
      ['PENDING', minutesAgo(1)],
      ['ERROR', minutesAgo(1)],
      ['DONE', minutesAgo(60)],
    ]);
    const plan = await planOf({ status: 'ALL' }, policy);
    expect(plan).toMatchObject({
      matching: 3,
      kept: 1,
      watermark: ids[3],
      newest: minutesAgo(1),
      newestPending: minutesAgo(60),
    });
    expect(await purge(plan, scratch.queue, settings)).toMatchObject({ deleted: 3 });
    expect(await remainingIds(scratch.db.client)).toEqual([ids[1]]);
  });

  it('counts an empty table as nothing, with no snapshot', async () => {
    // An empty table still has a page on disk: the size is what the archive estimate reads.
    expect(await scratch.queue.census(null)).toEqual({
      statuses: [],
      snapshot: null,
      cutoff: null,
      replicaLagHidden: false,
      tableBytes: expect.any(Number) as number,
      tableRowVersions: expect.any(Number) as number,
    });
  });

  it('keeps PENDING rows younger than the minimum age by default, under ALL too, and says how many', async () => {
    const ids = await insertAt([
      ['PENDING', minutesAgo(60)],
      ['DONE', minutesAgo(2)],
      ['PENDING', minutesAgo(10, -1)],
      ['PENDING', minutesAgo(10)],
      ['PENDING', minutesAgo(3)],
      ['ERROR', minutesAgo(1)],
    ]);
    const pending = await planOf({});
    expect(pending).toMatchObject({ matching: 2, kept: 2 });
    expect(gateSentences(pending)).toEqual([
      'Kept: 2 PENDING rows younger than 10 min (still being delivered); use --older-than 0 to include them',
    ]);

    const all = await planOf({ status: 'ALL' });
    expect(all).toMatchObject({ matching: 4, kept: 2 });
    await purge(all, scratch.queue, settings);
    expect(await remainingIds(scratch.db.client)).toEqual([ids[3], ids[4]]);

    const everything = await planOf({ olderThanMs: 0 });
    expect(everything).toMatchObject({ matching: 2, kept: 0, cutoff: null });
    expect(gateSentences(everything)).toEqual([]);
  });
});

describe('--limit', () => {
  it.each([
    ['batches', batches],
    ['one statement', native],
  ])('deletes exactly N rows, the oldest ids, with an exact plan (%s)', async (_, policy) => {
    const ids = await insertAt(
      Array.from({ length: 12 }, (_, i) => [i % 3 === 1 ? 'DONE' : 'ERROR', minutesAgo(60)] as [string, Date]),
    );
    const errors = ids.filter((_, i) => i % 3 !== 1);
    const plan = await planOf({ status: 'ERROR', limit: 5 }, policy);
    expect(plan).toMatchObject({ matching: 5, limit: 5, firstId: errors[0], watermark: errors[4] });
    expect(gateSentences(plan)).toEqual(['Limited to the 5 oldest matching rows (--limit 5)']);

    expect(await purge(plan, scratch.queue, settings)).toMatchObject({ state: 'completed', deleted: 5 });
    expect(await remainingIds(scratch.db.client)).toEqual(ids.filter((id) => !errors.slice(0, 5).includes(id)));
  });

  it('takes the oldest ids of every status under ALL', async () => {
    const ids = await insertAt([
      ['DONE', minutesAgo(60)],
      ['ERROR', minutesAgo(60)],
      ['PENDING', minutesAgo(60)],
      ['DONE', minutesAgo(60)],
    ]);
    const plan = await planOf({ status: 'ALL', limit: 3 });
    expect(plan).toMatchObject({ matching: 3, watermark: ids[2] });
    await purge(plan, scratch.queue, settings);
    expect(await remainingIds(scratch.db.client)).toEqual([ids[3]]);
  });

  it('is the whole set when fewer rows match, and counts only rows past the cut-off', async () => {
    await insertAt([
      ['PENDING', minutesAgo(60)],
      ['PENDING', minutesAgo(1)],
      ['PENDING', minutesAgo(50)],
    ]);
    expect(await planOf({ limit: 5 })).toMatchObject({ matching: 2, kept: 1, limit: 5 });
    const plan = await planOf({ limit: 1 });
    expect(plan).toMatchObject({ matching: 1, kept: 1, watermark: 1 });
  });
});

describe('the row cap', () => {
  it('marks a plan over CLEAR_TELEMETRY_MAX_ROWS, and one cut under it by --limit is not', async () => {
    await insertAt(Array.from({ length: 6 }, () => ['DONE', minutesAgo(60)] as [string, Date]));
    const over = await planOf({ status: 'DONE' }, { ...batches, maxRows: 5 });
    expect(over.overCap).toBe(5);
    expect(gateSentences(over)).toEqual([
      'Over the cap of 5 rows (CLEAR_TELEMETRY_MAX_ROWS): only a break-glass user may approve it',
    ]);
    expect((await planOf({ status: 'DONE', limit: 5 }, { ...batches, maxRows: 5 })).overCap).toBeNull();
    expect((await planOf({ status: 'DONE' }, batches)).overCap).toBeNull();
  });
});
