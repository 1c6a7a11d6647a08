import { describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually, slashCommand } from '../helpers/fake-slack.js';
import { preview, waitForDeleted, waitForState } from '../helpers/requests.js';
import { seedWebhooks } from '../helpers/scratch-db.js';
import { useTestApp } from '../helpers/test-app.js';

const ctx = useTestApp({
  env: {
    CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
    CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '10000',
    CLEAR_TELEMETRY_STALE_AFTER: '2s',
  },
  janitorEveryMs: 250,
});

/** The key src/db/webhook-queue.ts locks a census under (one at a time per database). */
const CENSUS_LOCK = [0x0c1e_ce05, 1];

describe('under load', () => {
  it('makes 20 previews that arrive together from one census, sharing its snapshot', async () => {
    await seedWebhooks(ctx.db.client, 1_000, 200);
    // Hold the census lock so every preview arrives while the first census waits.
    await ctx.db.client.query('select pg_advisory_lock($1, $2)', CENSUS_LOCK);
    try {
      const acks = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          slashCommand(ctx.port, '--status PENDING', `ULOAD${i}`, 'COPS', ctx.slack.hooks),
        ),
      );
      expect(acks.map((ack) => ack.status)).toEqual(Array(20).fill(200));
      await eventually(async () => {
        const { rows } = await ctx.db.client.query<{ waiting: number }>(
          `select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted and classid = $1::oid`,
          [CENSUS_LOCK[0]],
        );
        expect(rows[0]?.waiting).toBe(1);
      });
      // A census slower than a second is announced to each person waiting on it.
      await eventually(() =>
        expect(ctx.slack.ephemeralTexts().filter((text) => text.startsWith('Counting the webhooks'))).toHaveLength(20),
      );
    } finally {
      await ctx.db.client.query('select pg_advisory_unlock($1, $2)', CENSUS_LOCK);
    }
    await eventually(async () => {
      const { rows } = await ctx.db.client.query<{ n: number }>(
        'select count(*)::int as n from clear_telemetry_request where message_ts is not null',
      );
      expect(rows[0]?.n).toBe(20);
    });
    const { rows } = await ctx.db.client.query<{ snapshots: number; matching: number }>(
      'select count(distinct plan_snapshot)::int as snapshots, min(matching_count)::int as matching from clear_telemetry_request',
    );
    expect(rows[0]).toEqual({ snapshots: 1, matching: 200 });
    // …and replaced in place once the count is in.
    await eventually(() =>
      expect(ctx.slack.responses.filter((response) => response.body.replace_original === true)).toHaveLength(20),
    );
    expect(ctx.slack.ephemeralTexts().filter((text) => /^Counted in \d+\.\d s\.$/.test(text))).toHaveLength(20);
  });

  it('keeps a run going, and alive, while slow queries fill the request pool', async () => {
    await seedWebhooks(ctx.db.client, 30_000, 30_000);
    const { id, ts } = await preview(ctx.db.client, ctx.slack, ctx.port, '--status PENDING --batch-size 1000');
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await waitForDeleted(ctx.db.client, id, 2_000);
    // Five 4-second sleeps fill the request pool (max 5), longer than STALE_AFTER (2 s).
    const connection = ctx.app.orm.em.getConnection();
    const sleepers = Array.from({ length: 5 }, () => connection.execute('select pg_sleep(4)'));
    const samples: number[] = [];
    const watch = setInterval(() => {
      void ctx.db.client
        .query<{ age: number }>(
          `select extract(epoch from now() - heartbeat_at)::float as age from clear_telemetry_request where id = $1`,
          [id],
        )
        .then(
          ({ rows }) => samples.push(rows[0]?.age ?? 0),
          () => undefined,
        );
    }, 200);
    try {
      const done = await waitForState(ctx.db.client, id, ['succeeded', 'interrupted', 'failed'], 30_000);
      expect(done).toMatchObject({ state: 'succeeded', deleted_count: 30_000 });
    } finally {
      clearInterval(watch);
      await Promise.all(sleepers);
    }
    expect(samples.length).toBeGreaterThan(5);
    expect(Math.max(...samples)).toBeLessThan(2);
  });
});
