import { beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually } from '../helpers/fake-slack.js';
import { ledgerRow, preview as previewOn } from '../helpers/requests.js';
import { useTestApp } from '../helpers/test-app.js';
import { withClient } from '../helpers/scratch-db.js';
import { countByStatus, insertWebhooks, remainingIds } from '../helpers/webhooks.js';

let clockOffset = 0;

const ctx = useTestApp({
  env: { CLEAR_TELEMETRY_BREAK_GLASS: 'UBREAKGLASS', CLEAR_TELEMETRY_APPROVAL_TTL: '15m' },
  clockOffsetMs: () => clockOffset,
});

beforeEach(() => {
  // The app caches group members for a minute, so every test's Slack must agree on them.
  ctx.slack.groups.set('SONCALL', ['UONCALL']);
  clockOffset = 0;
});

const request = (id: number) => ledgerRow(ctx.db.client, id);
const preview = (text: string, user = 'UREQUESTER') => previewOn(ctx.db.client, ctx.slack, ctx.port, text, user);

const lastUpdate = () => ctx.slack.of('chat.update').at(-1);
const lastUpdateText = () => String(lastUpdate()?.body.text);

describe('approval by a second person', () => {
  it('refuses the requester, and nothing is deleted', async () => {
    await insertWebhooks(
      ctx.db.client,
      Array.from({ length: 8 }, () => 'ERROR'),
    );
    const { id, ts } = await preview('--status ERROR');

    await click(ctx.port, ACTION.confirm, String(id), 'UREQUESTER', ts);

    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'You made this request, so another person must approve it: ask <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>.',
      ]),
    );
    expect(await request(id)).toMatchObject({ state: 'awaiting_approval', approver_id: null });
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 8 });
    expect(ctx.slack.of('chat.update')).toEqual([]);
  });

  it('refuses an approver who asked for the purge themselves: a second person must confirm', async () => {
    await insertWebhooks(
      ctx.db.client,
      Array.from({ length: 3 }, () => 'ERROR'),
    );
    const { id, ts } = await preview('--status ERROR', 'UAPPROVER');

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);

    await eventually(() =>
      // Never named as one who may approve it: it is their own request.
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'You made this request, so another person must approve it: ask <@UAPPROVER2> or members of <!subteam^SONCALL>.',
      ]),
    );
    expect(await request(id)).toMatchObject({ state: 'awaiting_approval', approver_id: null });
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 3 });
  });

  it('refuses someone who is not an approver', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await click(ctx.port, ACTION.confirm, String(id), 'UBYSTANDER', ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'Only approvers can approve this request: ask <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>.',
      ]),
    );
    expect((await request(id)).state).toBe('awaiting_approval');
  });

  it('deletes exactly the previewed rows once an approver confirms, keeping rows that arrived after the preview', async () => {
    const ids = await insertWebhooks(ctx.db.client, [
      ...Array.from({ length: 30 }, () => 'ERROR'),
      ...Array.from({ length: 5 }, () => 'DONE'),
    ]);
    const { id, ts } = await preview('--status ERROR --batch-size 7');
    const late = await insertWebhooks(
      ctx.db.client,
      Array.from({ length: 4 }, () => 'ERROR'),
    );

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);

    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    expect(await remainingIds(ctx.db.client)).toEqual([...ids.slice(30), ...late]);
    expect(await request(id)).toMatchObject({ approver_id: 'UAPPROVER', self_approved: false, deleted_count: 30 });

    await eventually(() =>
      expect(lastUpdateText()).toMatch(/^Deleted 30 webhooks with status ERROR in \d+ ms \(batch, 5 batches\)$/),
    );
    const finalBlocks = JSON.stringify(lastUpdate()?.body.blocks);
    expect(finalBlocks).toContain('Clear telemetry: done');
    // The result names the database, as the preview did.
    expect(finalBlocks).toContain(`database \``);
    expect(finalBlocks).toContain('requested by <@UREQUESTER> · approved by <@UAPPROVER>');
    expect(finalBlocks).not.toContain('"actions"');
    expect(ctx.slack.of('chat.update').every((call) => call.body.channel === 'COPS' && call.body.ts === ts)).toBe(true);

    await eventually(() => expect(ctx.slack.thread(ts)).toHaveLength(3));
    const [approved, started, finished] = ctx.slack.thread(ts);
    expect(approved).toBe(':white_check_mark: Approved by <@UAPPROVER>.');
    expect(started).toBe(
      ':arrow_forward: Started deleting 30 webhooks with status ERROR, id ≤ 30 (batch, about 5 batches aimed at up to 7 rows each).',
    );
    expect(finished).toMatch(
      /^:white_check_mark: Deleted 30 webhooks with status ERROR in \d+ ms \(batch, 5 batches\) · requested by <@UREQUESTER> · approved by <@UAPPROVER>$/,
    );
    expect(ctx.slack.ephemeralTexts()).toEqual([]);
  });

  it('keeps rows that turned ERROR after the preview: the approver never saw them', async () => {
    const ids = await insertWebhooks(ctx.db.client, ['ERROR', 'DONE', 'ERROR', 'DONE', 'ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await ctx.db.client.query(`update assignments_learnpackwebhook set status = 'ERROR' where status = 'DONE'`);

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);

    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    expect(await remainingIds(ctx.db.client)).toEqual([ids[1], ids[3]]);
    expect(await request(id)).toMatchObject({ matching_count: 3, deleted_count: 3 });
  });

  it('accepts an approver through their user group', async () => {
    await insertWebhooks(ctx.db.client, ['DONE', 'DONE']);
    const { id, ts } = await preview('--status DONE');
    await click(ctx.port, ACTION.confirm, String(id), 'UONCALL', ts);
    await eventually(async () =>
      expect(await request(id)).toMatchObject({ state: 'succeeded', approver_id: 'UONCALL' }),
    );
  });

  it('starts exactly one run when ten approvals arrive at once', async () => {
    await insertWebhooks(
      ctx.db.client,
      Array.from({ length: 20 }, () => 'PENDING'),
    );
    const { id, ts } = await preview('--status PENDING');

    const clicks = Array.from({ length: 10 }, (_, i) =>
      click(ctx.port, ACTION.confirm, String(id), i % 2 ? 'UAPPROVER' : 'UAPPROVER2', ts),
    );
    expect((await Promise.all(clicks)).map((response) => response.status)).toEqual(Array(10).fill(200));

    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toHaveLength(9));
    const winner = (await request(id)).approver_id;
    // A click handled after the run finished is told that instead: the code does not order clicks against the run.
    for (const text of ctx.slack.ephemeralTexts()) {
      expect(text).toMatch(
        new RegExp(
          `^(Too late|Nothing to do): this request was (already approved by <@${winner}>|approved by <@${winner}> and has finished)`,
        ),
      );
    }
    await eventually(() => expect(ctx.slack.thread(ts)).toHaveLength(3));
    expect(ctx.slack.thread(ts).filter((text) => text.includes('Approved by'))).toHaveLength(1);
    expect(await countByStatus(ctx.db.client)).toEqual({});
  });

  it('lets only one of two overlapping approvals win, every time: both wait on the ledger row, then the second finds it approved', async () => {
    await insertWebhooks(
      ctx.db.client,
      Array.from({ length: 6 }, () => 'DONE'),
    );
    const { id, ts } = await preview('--status DONE');

    // Hold the ledger row so both approvals have read 'awaiting_approval' and block inside their UPDATE.
    await withClient(ctx.db.url, async (holder) => {
      await holder.query('begin');
      await holder.query('select id from clear_telemetry_request where id = $1 for update', [id]);
      const clicks = [
        click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts),
        click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER2', ts),
      ];
      // Watched from another connection: inside the holder's transaction pg_stat_activity is a snapshot.
      await eventually(async () => {
        const { rows } = await ctx.db.client.query<{ waiting: number }>(
          `select count(*)::int as waiting from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query ilike 'update "clear_telemetry_request" set "state" = ''approved''%'`,
        );
        expect(rows[0]?.waiting).toBe(2);
      });
      await holder.query('rollback');
      expect((await Promise.all(clicks)).map((response) => response.status)).toEqual([200, 200]);
    });

    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    const winner = (await request(id)).approver_id;
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toHaveLength(1));
    expect(ctx.slack.ephemeralTexts()[0]).toMatch(
      new RegExp(
        `^(Too late|Nothing to do): this request was (already approved by <@${winner}>|approved by <@${winner}> and has finished)`,
      ),
    );
    await eventually(() => expect(ctx.slack.thread(ts)).toHaveLength(3));
    expect(ctx.slack.thread(ts).filter((text) => text.includes('Approved by'))).toEqual([
      `:white_check_mark: Approved by <@${winner}>.`,
    ]);
    expect(await countByStatus(ctx.db.client)).toEqual({});
  });
});

describe('break-glass', () => {
  it('lets a break-glass user confirm their own --force request, recorded as self-approved', async () => {
    await insertWebhooks(ctx.db.client, ['IGNORED', 'IGNORED']);
    const { id, ts } = await preview('--status IGNORED --force', 'UBREAKGLASS');
    expect(JSON.stringify(ctx.slack.of('chat.postMessage')[0]?.body.blocks)).toContain(
      '*Needs approval from <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>, or <@UBREAKGLASS> (break-glass, --force)*',
    );

    await click(ctx.port, ACTION.confirm, String(id), 'UBREAKGLASS', ts);

    await eventually(async () =>
      expect(await request(id)).toMatchObject({ state: 'succeeded', approver_id: 'UBREAKGLASS', self_approved: true }),
    );
    await eventually(() =>
      expect(ctx.slack.thread(ts)[0]).toBe(
        ':white_check_mark: Self-approved by <@UBREAKGLASS> (break-glass, --force).',
      ),
    );
  });

  it('does not let --force help someone who is not break-glass', async () => {
    await insertWebhooks(ctx.db.client, ['IGNORED']);
    const { id, ts } = await preview('--status IGNORED --force');
    expect(JSON.stringify(ctx.slack.of('chat.postMessage')[0]?.body.blocks)).toContain(
      '--force changes nothing here: <@UREQUESTER> is not a break-glass user.',
    );
    await click(ctx.port, ACTION.confirm, String(id), 'UREQUESTER', ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'You made this request, so another person must approve it: ask <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>. (--force lets only break-glass users approve their own request.)',
      ]),
    );
    expect((await request(id)).state).toBe('awaiting_approval');
  });
});

describe('cancel, expiry and late clicks', () => {
  it("cancels on the requester's click: message closed, thread reply, later clicks explained", async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR']);
    const { id, ts } = await preview('--status ERROR');

    await click(ctx.port, ACTION.cancel, String(id), 'UREQUESTER', ts);

    await eventually(async () =>
      expect(await request(id)).toMatchObject({ state: 'cancelled', decided_by: 'UREQUESTER' }),
    );
    await eventually(() =>
      expect(lastUpdateText()).toBe(
        'Cancelled by <@UREQUESTER>. Nothing was deleted. To ask again, `/clear-telemetry --status ERROR` previews it afresh.',
      ),
    );
    expect(JSON.stringify(lastUpdate()?.body.blocks)).not.toContain('clear_telemetry_confirm');
    await eventually(() =>
      expect(ctx.slack.thread(ts)).toEqual([
        ':no_entry_sign: Cancelled by <@UREQUESTER>. Nothing was deleted. To ask again, `/clear-telemetry --status ERROR` previews it afresh.',
      ]),
    );

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        expect.stringMatching(/^Nothing to do: this request was cancelled by <@UREQUESTER> at /),
      ]),
    );
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 2 });
  });

  it('refuses a cancel from someone who is neither the requester nor an approver', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await click(ctx.port, ACTION.cancel, String(id), 'UBYSTANDER', ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual(['Only the requester or an approver can cancel this request.']),
    );
    expect((await request(id)).state).toBe('awaiting_approval');
  });

  it('expires a request nobody approved in time, and a late Confirm changes nothing', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR', 'ERROR']);
    const { id, ts } = await preview('--status ERROR');
    clockOffset = 16 * 60_000;

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);

    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        expect.stringMatching(
          /^This request expired at .* UTC\. To ask again, `\/clear-telemetry --status \w+` previews it afresh\.$/,
        ),
      ]),
    );
    expect((await request(id)).state).toBe('expired');
    await eventually(() =>
      expect(lastUpdateText()).toMatch(
        /^Expired <!date\^\d+\^\{date_short_pretty\} at \{time_secs\}\|.* UTC> without approval\. Nothing was deleted\. To ask again, `\/clear-telemetry --status \w+` previews it afresh\.$/,
      ),
    );
    await eventually(() =>
      expect(ctx.slack.thread(ts)).toEqual([
        expect.stringMatching(/^:no_entry_sign: Expired <!date.* without approval/),
      ]),
    );
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 3 });
  });

  it('explains a click on a finished request', async () => {
    await insertWebhooks(ctx.db.client, ['DONE']);
    const { id, ts } = await preview('--status DONE');
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    await click(ctx.port, ACTION.cancel, String(id), 'UREQUESTER', ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'Nothing to do: this request was approved by <@UAPPROVER> and has finished.',
      ]),
    );
  });

  it('explains a click on a request that is not in the ledger', async () => {
    await click(ctx.port, ACTION.confirm, '999', 'UAPPROVER', '1700000000.000999');
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'This request is not in the ledger any more, so nothing was done: `/clear-telemetry status` shows what is.',
      ]),
    );
  });
});
