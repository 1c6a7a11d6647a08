import { beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually } from '../helpers/fake-slack.js';
import { preview } from '../helpers/requests.js';
import { seedWebhooks } from '../helpers/scratch-db.js';
import { settle, TEST_LIMITS, useTestApp } from '../helpers/test-app.js';
import { countByStatus } from '../helpers/webhooks.js';

// Batches always, and slow enough (10,000 rows/s) that a run spans several edit windows.
const ctx = useTestApp({ env: { CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0', CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '10000' } });

beforeEach(async () => {
  await seedWebhooks(ctx.db.client, 20_000, 20_000);
});

interface Run {
  id: number;
  state: string;
  deleted_count: number;
  started_at: Date;
  finished_at: Date;
}

async function approveAndFinish(): Promise<{ ts: string; run: Run }> {
  const { id, ts } = await preview(ctx.db.client, ctx.slack, ctx.port, '--status PENDING --batch-size 1000');
  await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
  const run = await eventually(async () => {
    const { rows } = await ctx.db.client.query<Run>('select * from clear_telemetry_request where id = $1', [id]);
    expect(['succeeded', 'failed']).toContain(rows[0]?.state);
    return rows[0] as Run;
  }, 30_000);
  await settle(ctx.app);
  return { ts, run };
}

describe('progress on the preview message', () => {
  it('edits in place at most once per edit window, with rising counts, and always delivers the final result last', async () => {
    const { ts, run } = await approveAndFinish();
    expect(run).toMatchObject({ state: 'succeeded', deleted_count: 20_000 });

    const updates = ctx.slack.of('chat.update');
    expect(updates.every((u) => u.body.ts === ts && u.body.channel === 'COPS')).toBe(true);
    const gaps = updates.slice(1).map((u, i) => u.at - (updates[i]?.at ?? 0));
    // Spaced where they leave (start to start); where they arrive, a busy machine adds jitter both
    // ways (CI measured 249 ms against 300 once). Unpaced edits would arrive milliseconds apart.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(TEST_LIMITS.editSpacingMs - 100);
    const runMs = run.finished_at.getTime() - run.started_at.getTime();
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(runMs / TEST_LIMITS.editSpacingMs) + 2);
    expect(updates.length).toBeGreaterThanOrEqual(3);

    const deleted = updates
      .slice(0, -1)
      .map((u) => Number(/^Deleting: ([\d,]+) of 20,000/.exec(String(u.body.text))?.[1]?.replaceAll(',', '')));
    expect(deleted.every((n) => Number.isFinite(n))).toBe(true);
    expect(deleted).toEqual([...deleted].sort((a, b) => a - b));
    expect(JSON.stringify(updates[1]?.body.blocks)).toMatch(/`[█░]{20}` \*\d+\.\d%\*/);
    expect(String(updates.at(-1)?.body.text)).toMatch(
      /^Deleted 20,000 webhooks with status PENDING in [\d.]+ s \(batch, 20 batches\)$/,
    );
  });

  it('waits out a 429 on an edit without slowing the deletion, then delivers the result', async () => {
    ctx.slack.script('chat.update', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { ok: false, error: 'ratelimited' },
    });
    const { run } = await approveAndFinish();
    expect(run.state).toBe('succeeded');

    const updates = ctx.slack.of('chat.update');
    const [limited, retried] = updates;
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1_950);
    // The run did not wait on Slack: while the first edit waited out its 2 s, batches went on, and
    // the retried edit (latest wins) shows them.
    const shown = (call: typeof limited) =>
      Number(/^Deleting: ([\d,]+)/.exec(String(call?.body.text))?.[1]?.replaceAll(',', '') ?? 20_000);
    expect(shown(retried)).toBeGreaterThanOrEqual(shown(limited) + 2 * 1_000);
    expect(String(updates.at(-1)?.body.text)).toMatch(/^Deleted 20,000 webhooks with status PENDING/);
    expect(await countByStatus(ctx.db.client)).toEqual({});
  });

  it('delivers thread replies through Slack 500s', async () => {
    ctx.slack.script('chat.postMessage', { status: 500, body: { ok: false } }, 2);
    // The preview itself gets through on its third attempt too.
    const { ts, run } = await approveAndFinish();
    expect(run.state).toBe('succeeded');
    expect(ctx.slack.thread(ts)).toEqual([
      ':white_check_mark: Approved by <@UAPPROVER>.',
      expect.stringMatching(/^:arrow_forward: Started deleting 20,000 webhooks/),
      expect.stringMatching(/^:white_check_mark: Deleted 20,000 webhooks/),
    ]);
    // The preview and three replies got through; the preview needed three tries.
    expect(ctx.slack.of('chat.postMessage')).toHaveLength(6);
  });

  it('shows a failure with what was deleted before it', async () => {
    const watcher = setInterval(() => {
      if (ctx.slack.of('chat.update').length >= 2) {
        clearInterval(watcher);
        void ctx.db.client.query('alter table assignments_learnpackwebhook rename to lpw_moved');
      }
    }, 20);
    const { ts, run } = await approveAndFinish();
    clearInterval(watcher);
    await ctx.db.client.query('alter table if exists lpw_moved rename to assignments_learnpackwebhook');

    expect(run.state).toBe('failed');
    expect(run.deleted_count).toBeGreaterThan(0);
    expect(run.deleted_count).toBeLessThan(20_000);
    expect(await countByStatus(ctx.db.client)).toEqual({ PENDING: 20_000 - run.deleted_count });
    const final = String(ctx.slack.of('chat.update').at(-1)?.body.text);
    expect(final).toContain(
      `Failed after deleting ${run.deleted_count.toLocaleString('en-US')} of 20,000 webhooks with status PENDING`,
    );
    // The error in our words, whole: never the driver's text, which quotes the statement.
    expect(final).toMatch(
      /: relation "assignments_learnpackwebhook" does not exist\. assignments_learnpackwebhook belongs to the Django app, which creates it; DATABASE_URL probably points at the wrong database\. Deleted rows stay deleted$/,
    );
    expect(ctx.slack.thread(ts).at(-1)).toMatch(/^:x: Failed after deleting/);
    const said = JSON.stringify(ctx.slack.calls.map((call) => call.body));
    expect(said).not.toMatch(/delete from|xmin|set_config|select 1 from/i);
  });
});
