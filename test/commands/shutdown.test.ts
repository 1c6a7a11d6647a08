import { describe, expect, inject, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually } from '../helpers/fake-slack.js';
import { editsOf, preview, waitForDeleted, waitForState } from '../helpers/requests.js';
import { createScratchDb, seedWebhooks } from '../helpers/scratch-db.js';
import { startTestApp, useTestApp } from '../helpers/test-app.js';

/**
 * A graceful stop with Slack's real edit spacing (2.5 s): the interrupted result must reach the
 * message before the limiters stop. With 300 ms spacing a shutdown that waited 2 s hid this.
 */
const ctx = useTestApp({
  env: { CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0', CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000' },
  limits: { editSpacingMs: 2_500 },
});

describe('graceful stop', () => {
  it('delivers the interrupted result, with Resume, before it stops', async () => {
    await seedWebhooks(ctx.db.client, 40_000, 40_000);
    const { id, ts } = await preview(ctx.db.client, ctx.slack, ctx.port, '--status PENDING --batch-size 1000');
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await waitForDeleted(ctx.db.client, id, 3_000);
    // A progress edit has just gone out, so the result has to wait out the spacing.
    await eventually(() => expect(editsOf(ctx.slack, ts).length).toBeGreaterThan(0));

    await ctx.app.stop();

    const row = await waitForState(ctx.db.client, id, 'interrupted');
    const last = editsOf(ctx.slack, ts).at(-1) ?? '';
    expect(last).toMatch(/^Interrupted after deleting [\d,]+ of 40,000/);
    expect(last).toContain(ACTION.resume);
    expect(last).toContain(`${row.deleted_count.toLocaleString('en-US')} of 40,000`);
    const { rows } = await ctx.db.client.query<{ undelivered: number }>(
      'select count(*)::int as undelivered from clear_telemetry_notice where delivered_at is null',
    );
    expect(rows[0]).toEqual({ undelivered: 0 });
  }, 60_000);
});

describe('runner identity', () => {
  it('gives two app processes that report the same host and pid names of their own', async () => {
    const db = await createScratchDb(inject('templateDb'));
    const [one, two] = await Promise.all([
      startTestApp(db.url, { identity: { hostname: 'vm', pid: 1 } }),
      startTestApp(db.url, { identity: { hostname: 'vm', pid: 1 } }),
    ]);
    try {
      expect(one.runnerId).toMatch(/^vm:1:[0-9a-f]{8}$/);
      expect(two.runnerId).toMatch(/^vm:1:[0-9a-f]{8}$/);
      expect(one.runnerId).not.toBe(two.runnerId);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
      await db.drop();
    }
  });
});
