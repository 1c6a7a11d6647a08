import { beforeEach, describe, expect, it } from 'vitest';
import { makePlan, type PlanPolicy } from '../../../src/domain/plan/plan.js';
import { purge } from '../../../src/domain/run/purge.js';
import type { RunEvent } from '../../../src/domain/run/batch-loop.js';
import { progressAt } from '../../../src/domain/run/progress.js';
import type { PurgeProgress } from '../../../src/domain/ports.js';
import type { StatusFilter } from '../../../src/domain/plan/webhook-statuses.js';
import { seedWebhooks, withClient } from '../../helpers/scratch-db.js';
import { countByStatus, insertWebhooks, remainingIds, truncateWebhooks } from '../../helpers/webhooks.js';
import { useScratchOrm } from '../../helpers/scratch-orm.js';
import { UNPACED } from '../../helpers/records.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientSql, type Sql } from '../../../src/db/sql.js';
import { SqlWebhookQueue } from '../../../src/db/webhook-queue.js';

const scratch = useScratchOrm();

const settings = UNPACED;
const batchesAlways: PlanPolicy = { nativeMaxRows: 0, maxRowsPerSecond: 0, batchPauseMs: 0, batchPausePercent: 0 };
const nativeAlways: PlanPolicy = { ...batchesAlways, nativeMaxRows: Number.MAX_SAFE_INTEGER };

/** A plan in batches aimed at up to `batchSize` rows, or (nativeAlways) in one statement that falls back to them. */
async function planFor(status: StatusFilter, batchSize: number, policy = batchesAlways) {
  const useCursor = policy === nativeAlways;
  return makePlan(await scratch.queue.census(null), { status, batchSize, useCursor }, policy, new Date());
}

function progressOf(events: RunEvent[]): PurgeProgress[] {
  return events.flatMap((event) => (event.type === 'progress' ? [event] : []));
}

beforeEach(async () => {
  await truncateWebhooks(scratch.db.client);
});

describe('exact rows', () => {
  const mix = ['PENDING', 'DONE', 'ERROR', 'IGNORED', 'ERROR', 'DONE', 'PENDING', 'ERROR'];

  it.each([
    ['PENDING', 'batch'],
    ['DONE', 'batch'],
    ['IGNORED', 'batch'],
    ['ERROR', 'batch'],
    ['ALL', 'batch'],
    ['ERROR', 'native'],
    ['ALL', 'native'],
  ] as const)('%s by %s deletes exactly the matching rows', async (status, method) => {
    const ids = await insertWebhooks(scratch.db.client, Array.from({ length: 5 }, () => mix).flat());
    const statuses = Array.from({ length: 5 }, () => mix).flat();
    const keep = ids.filter((_, i) => status !== 'ALL' && statuses[i] !== status);

    const plan = await planFor(status, 3, method === 'batch' ? batchesAlways : nativeAlways);
    const outcome = await purge(plan, scratch.queue, settings);

    expect(outcome).toMatchObject({ state: 'completed', method, deleted: ids.length - keep.length, error: null });
    expect(await remainingIds(scratch.db.client)).toEqual(keep);
  });
});

describe('--batch-size is an aim, not a bound', () => {
  it('lets a batch hold more than its aim where matching rows bunch up, and never more than ten times it', async () => {
    // 500 ids with one ERROR in ten, then 500 ERROR ids: a range sized on the sparse part runs into the dense one.
    const statuses = [
      ...Array.from({ length: 500 }, (_, i) => (i % 10 === 0 ? 'ERROR' : 'DONE')),
      ...Array<string>(500).fill('ERROR'),
    ];
    await insertWebhooks(scratch.db.client, statuses);
    const events: RunEvent[] = [];
    const plan = await planFor('ERROR', 20);

    const outcome = await purge(plan, scratch.queue, settings, { onEvent: (event) => void events.push(event) });

    expect(outcome).toMatchObject({ state: 'completed', deleted: 550 });
    expect(await countByStatus(scratch.db.client)).toEqual({ DONE: 450 });
    const deleted = progressOf(events).map((progress) => progress.deleted);
    const perBatch = deleted.map((total, i) => total - (deleted[i - 1] ?? 0));
    // So the plan, the preview and --help say "aimed at up to", never "at most" (by hand, one batch under --batch-size 5,000 deleted 5,002).
    expect(Math.max(...perBatch)).toBeGreaterThan(20);
    expect(Math.max(...perBatch)).toBeLessThanOrEqual(20 * 10);
  });
});

describe('the Django command bug case: 25,000 rows in batches of 10,000', () => {
  it('deletes all 25,000, with progress rising to exactly 100%', async () => {
    await seedWebhooks(scratch.db.client, 25_000, 25_000);
    const events: RunEvent[] = [];
    const plan = await planFor('PENDING', 10_000);

    const outcome = await purge(plan, scratch.queue, settings, { onEvent: (event) => void events.push(event) });

    expect(outcome).toMatchObject({ state: 'completed', method: 'batch', deleted: 25_000, batches: 3 });
    expect(await countByStatus(scratch.db.client)).toEqual({});
    const progress = progressOf(events);
    expect(progress.map((p) => [p.deleted, p.total, p.batchesDone, p.batchesTotal])).toEqual([
      [10_000, 25_000, 1, 3],
      [20_000, 25_000, 2, 3],
      [25_000, 25_000, 3, 3],
    ]);
    expect(progress.map((p) => p.percent)).toEqual([40, 80, 100]);
    expect(progress.at(-1)).toMatchObject({ etaMs: 0 });
  });
});

describe('only rows the plan saw are deleted', () => {
  it('keeps rows inserted after the plan', async () => {
    await insertWebhooks(scratch.db.client, Array(50).fill('PENDING'));
    const plan = await planFor('PENDING', 7);
    const late = await insertWebhooks(scratch.db.client, Array(20).fill('PENDING'));

    const outcome = await purge(plan, scratch.queue, settings);

    expect(outcome).toMatchObject({ state: 'completed', deleted: 50 });
    expect(await remainingIds(scratch.db.client)).toEqual(late);
  });

  it('keeps rows whose status changed after the plan', async () => {
    const ids = await insertWebhooks(scratch.db.client, Array(30).fill('ERROR'));
    const plan = await planFor('ERROR', 4);
    const retried = ids.filter((_, i) => i % 3 === 0);
    await scratch.db.client.query(`update assignments_learnpackwebhook set status = 'PENDING' where id = any($1)`, [
      retried,
    ]);

    const outcome = await purge(plan, scratch.queue, settings);

    expect(outcome).toMatchObject({ state: 'completed', deleted: 20 });
    expect(await remainingIds(scratch.db.client)).toEqual(retried);
  });

  it('keeps rows whose status changes while the run is going', async () => {
    const ids = await insertWebhooks(scratch.db.client, Array(40).fill('ERROR'));
    const plan = await planFor('ERROR', 10);
    const late = ids.slice(30);
    const outcome = await purge(plan, scratch.queue, settings, {
      onEvent: async (event) => {
        if (event.type === 'progress' && event.batchesDone === 1) {
          await scratch.db.client.query(`update assignments_learnpackwebhook set status = 'DONE' where id = any($1)`, [
            late,
          ]);
        }
      },
    });
    expect(outcome).toMatchObject({ state: 'completed', deleted: 30 });
    expect(await remainingIds(scratch.db.client)).toEqual(late);
  });
});

describe('the watermark holds on its own', () => {
  // An unrecorded plan has no snapshot: the watermark is then the only bound on new rows, and must hold.
  it.each([
    ['batch', 'ERROR'],
    ['native', 'ERROR'],
    ['batch', 'ALL'],
    ['native', 'ALL'],
  ] as const)('%s, %s: never deletes above the watermark, even without the snapshot bound', async (method, status) => {
    const ids = await insertWebhooks(scratch.db.client, Array(10).fill('ERROR'));
    const plan = { ...(await planFor(status, 7, method === 'batch' ? batchesAlways : nativeAlways)), snapshot: null };
    expect(plan).toMatchObject({ matching: 10, watermark: ids[9] });
    // Arrived after the preview, inside the last batch's id span (7 ids from 8 reaches 14).
    const late = await insertWebhooks(scratch.db.client, Array(5).fill('ERROR'));

    const outcome = await purge(plan, scratch.queue, settings);

    expect(outcome).toMatchObject({ state: 'completed', method, deleted: 10 });
    expect(await remainingIds(scratch.db.client)).toEqual(late);
  });
});

describe("the plan's snapshot keeps every row the preview did not see", () => {
  const policies = { batch: batchesAlways, native: nativeAlways } as const;

  it.each(['batch', 'native'] as const)(
    '%s: keeps rows that changed into the status after the plan',
    async (method) => {
      const ids = await insertWebhooks(
        scratch.db.client,
        Array.from({ length: 15 }, () => ['ERROR', 'PENDING']).flat(),
      );
      const plan = await planFor('ERROR', 4, policies[method]);
      expect(plan).toMatchObject({ matching: 15, watermark: ids[28] });
      const flipped = ids.filter((_, i) => i % 2 === 1 && i < 28);
      await scratch.db.client.query(`update assignments_learnpackwebhook set status = 'ERROR' where id = any($1)`, [
        flipped,
      ]);

      const outcome = await purge(plan, scratch.queue, settings);

      expect(outcome).toMatchObject({ state: 'completed', method, deleted: 15 });
      expect(await remainingIds(scratch.db.client)).toEqual([...flipped, ids[29]]);
    },
  );

  it.each(['batch', 'native'] as const)(
    '%s: keeps a row below the watermark whose transaction was still open at the plan',
    async (method) => {
      await insertWebhooks(scratch.db.client, Array(10).fill('ERROR'));
      const [late] = await withClient(scratch.db.url, async (writer) => {
        await writer.query('begin');
        const rows = await insertWebhooks(writer, ['ERROR']);
        await insertWebhooks(scratch.db.client, Array(10).fill('ERROR'));
        const plan = await planFor('ERROR', 4, policies[method]);
        expect(plan).toMatchObject({ matching: 20, watermark: 21 });
        await writer.query('commit');
        const outcome = await purge(plan, scratch.queue, settings);
        expect(outcome).toMatchObject({ state: 'completed', method, deleted: 20 });
        return rows;
      });
      expect(late).toBe(11);
      expect(await remainingIds(scratch.db.client)).toEqual([11]);
    },
  );

  it('keeps a previewed row that was rewritten after the plan, and deletes one fewer than previewed', async () => {
    const ids = await insertWebhooks(scratch.db.client, Array(12).fill('ERROR'));
    const plan = await planFor('ERROR', 5);
    await scratch.db.client.query(`update assignments_learnpackwebhook set status_text = 'retried' where id = $1`, [
      ids[3],
    ]);

    const outcome = await purge(plan, scratch.queue, settings);

    expect(outcome).toMatchObject({ state: 'completed', deleted: 11 });
    expect(await remainingIds(scratch.db.client)).toEqual([ids[3]]);
  });
});

describe('one statement falls back to batches', () => {
  it('when it hits the statement timeout', async () => {
    await seedWebhooks(scratch.db.client, 30_000, 30_000);
    const plan = await planFor('PENDING', 10_000, nativeAlways);
    const events: RunEvent[] = [];

    const outcome = await purge(
      plan,
      scratch.queue,
      { ...settings, nativeTimeouts: { statementMs: 1, lockMs: 2_000 } },
      { onEvent: (e) => void events.push(e) },
    );

    expect(outcome).toMatchObject({ state: 'completed', method: 'batch', deleted: 30_000, batches: 3 });
    expect(outcome.fallback).toMatch(
      /^one statement hit the statement timeout after .* continuing in batches of 10,000$/,
    );
    expect(events[0]).toEqual({ type: 'fallback', reason: outcome.fallback });
    expect(await countByStatus(scratch.db.client)).toEqual({});
  });

  it('when it hits the lock timeout behind an app transaction', async () => {
    const ids = await insertWebhooks(scratch.db.client, Array(100).fill('DONE'));
    const plan = await planFor('DONE', 25, nativeAlways);
    const lock = await holdRowLock(scratch.db.url, ids[40] ?? 0, 600);

    const outcome = await purge(plan, scratch.queue, {
      ...settings,
      nativeTimeouts: { statementMs: 5_000, lockMs: 100 },
    });
    await lock.released;

    expect(outcome).toMatchObject({ state: 'completed', method: 'batch', deleted: 100 });
    expect(outcome.fallback).toMatch(/^one statement hit the lock timeout/);
    expect(await remainingIds(scratch.db.client)).toEqual([]);
  });
});

describe('stopping and failing', () => {
  it('stops between batches and reports exactly what it deleted', async () => {
    await insertWebhooks(scratch.db.client, Array(100).fill('IGNORED'));
    const plan = await planFor('IGNORED', 10);
    const stop = new AbortController();

    const outcome = await purge(plan, scratch.queue, settings, {
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === 'progress' && event.batchesDone === 3) stop.abort();
      },
    });

    expect(outcome).toMatchObject({ state: 'stopped', deleted: 30, batches: 3 });
    expect(await countByStatus(scratch.db.client)).toEqual({ IGNORED: 70 });
  });

  it('reports a failure with the rows deleted before it', async () => {
    await insertWebhooks(scratch.db.client, Array(30).fill('DONE'));
    const plan = await planFor('DONE', 10);
    const outcome = await purge(plan, scratch.queue, settings, {
      onEvent: async (event) => {
        if (event.type === 'progress' && event.batchesDone === 1) {
          await scratch.db.client.query('alter table assignments_learnpackwebhook rename to lpw_moved');
        }
      },
    });
    await scratch.db.client.query('alter table lpw_moved rename to assignments_learnpackwebhook');

    expect(outcome).toMatchObject({ state: 'failed', deleted: 10, batches: 1 });
    expect(outcome.error?.message).toMatch(/assignments_learnpackwebhook" does not exist/);
    expect(await countByStatus(scratch.db.client)).toEqual({ DONE: 20 });
  });

  it('paces batches under a rows-per-second ceiling', async () => {
    await insertWebhooks(scratch.db.client, Array(50).fill('DONE'));
    const plan = await planFor('DONE', 10);
    const outcome = await purge(plan, scratch.queue, { ...settings, maxRowsPerSecond: 100 });
    // Five batches of 10 at 100 rows/s: each start at least 100 ms after the one before (less a
    // millisecond for the refill timer's rounding).
    expect(outcome).toMatchObject({ state: 'completed', deleted: 50, batches: 5 });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(396);
  });

  it('is never faster than the ceiling, not even at its first batches', async () => {
    await insertWebhooks(scratch.db.client, Array(3_000).fill('DONE'));
    const plan = await planFor('DONE', 1_000);
    const events: RunEvent[] = [];
    const outcome = await purge(
      plan,
      scratch.queue,
      { ...settings, maxRowsPerSecond: 2_000 },
      { onEvent: (event) => void events.push(event) },
    );

    expect(outcome).toMatchObject({ state: 'completed', deleted: 3_000, batches: 3 });
    // Each batch waits for its own rows' allowance: 3,000 rows at 2,000 a second are 15 refills of
    // 200, the first of which may land at once: 1.4 s at least, less a millisecond a refill for the
    // refill timer's rounding.
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1_386);
    const rates = progressOf(events).map((progress) => progress.rowsPerSecond);
    expect(rates).toHaveLength(3);
    // Bottleneck refills its bucket on a timer: a few percent of slack.
    for (const rate of rates) expect(rate).toBeLessThanOrEqual(2_000 * 1.05);
  });

  it("saves up no more than the waiting batch's rows during a long hold", async () => {
    await insertWebhooks(scratch.db.client, Array(3_000).fill('DONE'));
    const plan = await planFor('DONE', 1_000);
    const batchEnds: number[] = [];
    let gates = 0;
    const outcome = await purge(
      plan,
      scratch.queue,
      { ...settings, maxRowsPerSecond: 2_000 },
      {
        onEvent: (event) => void (event.type === 'progress' && batchEnds.push(performance.now())),
        // The gate after the first batch holds for 2 s, as a Pause would: 4,000 rows' worth of time.
        gate: () => (++gates === 2 ? sleep(2_000) : Promise.resolve()),
      },
    );

    expect(outcome).toMatchObject({ state: 'completed', deleted: 3_000, batches: 3 });
    // The second batch had its turn saved up; the third waits for most of its own 1,000 rows: the
    // bucket kept 1,200 of the 4,000 saved (the batch and one refill), so 800 more come at 2,000 a
    // second, less up to two refills on the heartbeat's phase: at least 200 ms. Without the trim, 0.
    expect((batchEnds[1] ?? 0) - (batchEnds[0] ?? 0)).toBeGreaterThanOrEqual(1_950);
    expect((batchEnds[2] ?? 0) - (batchEnds[1] ?? 0)).toBeGreaterThanOrEqual(150);
  });

  it('ends at once, before the batch, when stopped while it waits for the ceiling', async () => {
    await insertWebhooks(scratch.db.client, Array(2_000).fill('DONE'));
    const plan = await planFor('DONE', 1_000);
    const stop = new AbortController();
    // 1,000 rows at 100 a second: the first batch's turn comes after 10 s.
    const running = purge(plan, scratch.queue, { ...settings, maxRowsPerSecond: 100 }, { signal: stop.signal });
    setTimeout(() => stop.abort(), 300);
    const outcome = await running;

    expect(outcome).toMatchObject({ state: 'stopped', deleted: 0, batches: 0 });
    expect(outcome.durationMs).toBeLessThan(5_000);
    expect(await countByStatus(scratch.db.client)).toEqual({ DONE: 2_000 });
  });

  it('reaches the ceiling on a sparse status, and never mistakes the wait for a slow batch', async () => {
    // One row in five matches: 100 ERROR rows over 500 ids, batches of 10 rows (so 50 ids each).
    await insertWebhooks(
      scratch.db.client,
      Array.from({ length: 500 }, (_, i) => (i % 5 === 0 ? 'ERROR' : 'DONE')),
    );
    const plan = await planFor('ERROR', 10);
    const events: RunEvent[] = [];
    const outcome = await purge(
      plan,
      scratch.queue,
      { ...settings, maxRowsPerSecond: 200, targetBatchMs: 100 },
      { onEvent: (event) => void events.push(event) },
    );
    expect(outcome).toMatchObject({ state: 'completed', deleted: 100, batches: 10 });
    // 100 rows at 200 rows/s: about half a second. Counting each 50-id batch as 50 rows took 2.25 s.
    // A lower bound only: a busy machine makes a run slower, never faster than its ceiling (less a
    // millisecond a refill for the refill timer's rounding).
    expect(outcome.durationMs).toBeGreaterThanOrEqual(395);
    // The wait for the ceiling is not taken for a slow batch: no batch was made smaller.
    expect(events.filter((event) => event.type === 'resized')).toEqual([]);
  });
});

describe('between batches', () => {
  it("runs the next batch's gate while it rests, and starts that batch only when both are done", async () => {
    await insertWebhooks(scratch.db.client, Array(30).fill('DONE'));
    const plan = await planFor('DONE', 10);
    const batchEnds: number[] = [];
    const gateStarts: number[] = [];
    const outcome = await purge(
      plan,
      scratch.queue,
      { ...settings, batchPauseMs: 1_000 },
      {
        onEvent: (event) => void (event.type === 'progress' && batchEnds.push(performance.now())),
        gate: async () => {
          gateStarts.push(performance.now());
          // The second gate holds for longer than the pause, as a Pause or a lagging replica would.
          if (gateStarts.length === 2) await sleep(1_500);
        },
      },
    );

    expect(outcome).toMatchObject({ state: 'completed', deleted: 30, batches: 3 });
    expect(gateStarts).toHaveLength(3);
    // Each later gate starts with its pause, not after it.
    expect((gateStarts[1] ?? 0) - (batchEnds[0] ?? 0)).toBeLessThan(1_000);
    expect((gateStarts[2] ?? 0) - (batchEnds[1] ?? 0)).toBeLessThan(1_000);
    // The second batch waited for the slow gate, the third for its whole pause.
    expect((batchEnds[1] ?? 0) - (batchEnds[0] ?? 0)).toBeGreaterThanOrEqual(1_450);
    expect((batchEnds[2] ?? 0) - (batchEnds[1] ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('commits each batch without waiting for its WAL to reach the disk, in that transaction only', async () => {
    await insertWebhooks(scratch.db.client, Array(30).fill('DONE'));
    const plan = await planFor('DONE', 10);
    // The real connection, read inside each batch's transaction just before it commits.
    const sql = clientSql(scratch.db.client);
    const atCommit: string[] = [];
    const observed: Sql = {
      ...sql,
      transaction: (work) =>
        sql.transaction(async (tx) => {
          const result = await work(tx);
          const [row] = await tx.rows<{ setting: string }>(`select current_setting('synchronous_commit') as setting`);
          atCommit.push(row?.setting ?? '');
          return result;
        }),
    };

    const outcome = await purge(plan, new SqlWebhookQueue(observed), settings);

    expect(outcome).toMatchObject({ state: 'completed', deleted: 30, batches: 3 });
    expect(atCommit).toEqual(['off', 'off', 'off']);
    expect(
      (await scratch.db.client.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]
        ?.synchronous_commit,
    ).toBe('on');
    expect(await countByStatus(scratch.db.client)).toEqual({});
  });
});

/** Locks one row FOR UPDATE from another connection, as a Django worker would; releases after `ms`. */
async function holdRowLock(url: string, id: number, ms: number): Promise<{ released: Promise<void> }> {
  let locked!: () => void;
  const ready = new Promise<void>((resolve) => (locked = resolve));
  const done = withClient(url, async (client) => {
    await client.query('begin');
    await client.query('select id from assignments_learnpackwebhook where id = $1 for update', [id]);
    locked();
    await new Promise((resolve) => setTimeout(resolve, ms));
    await client.query('commit');
  });
  await ready;
  return { released: done };
}

describe('the ETA under a rows-per-second ceiling', () => {
  it('never counts on the speed of the first batches, which run before the ceiling bites', () => {
    const day = new Date('2026-11-20T00:00:00Z');
    const census = {
      statuses: [
        {
          status: 'DONE',
          count: 480_000,
          minId: 1,
          maxId: 600_000,
          oldest: day,
          newest: day,
          young: 0,
          eligibleMinId: 1,
          eligibleMaxId: 600_000,
          eligibleNewest: day,
        },
      ],
      snapshot: null,
      cutoff: null,
    };
    const plan = makePlan(
      census,
      { status: 'DONE', batchSize: 100_000, useCursor: false },
      batchesAlways,
      new Date('2026-11-29T00:00:00Z'),
    );
    const position = { deleted: 10_000, batches: 1, lastId: 12_500 };
    // 10,000 rows in 100 ms is 100,000 rows/s: 470,000 left would take 4.7 s at that speed.
    const run = { method: 'batch', batchSize: 20_000, elapsedMs: 100, deletedHere: 10_000, lastBatchMs: 100 } as const;
    expect(progressAt(plan, position, run).etaMs).toBeCloseTo(4_700);
    expect(progressAt(plan, position, { ...run, maxRowsPerSecond: 20_000 }).etaMs).toBeCloseTo(23_500);
    expect(progressAt(plan, position, { ...run, maxRowsPerSecond: 1_000_000 }).etaMs).toBeCloseTo(4_700);
  });
});
