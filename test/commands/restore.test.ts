/**
 * Undo in Slack: an archived purge's result offers Restore; the restore is a request of its own,
 * previewed in the channel and approved by a second person with a purge's rules, then run with
 * progress in place. Real PostgreSQL; the fake Slack plays Slack's side.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually, slashCommand } from '../helpers/fake-slack.js';
import { ledgerRow, preview as previewOn } from '../helpers/requests.js';
import { useTestApp } from '../helpers/test-app.js';
import { insertWebhooks } from '../helpers/webhooks.js';

const ctx = useTestApp();

beforeEach(() => {
  ctx.slack.groups.set('SONCALL', ['UONCALL']);
});

const request = (id: number) => ledgerRow(ctx.db.client, id);
const preview = (text: string, user = 'UREQUESTER') => previewOn(ctx.db.client, ctx.slack, ctx.port, text, user);

async function tableRows(): Promise<string[]> {
  const { rows } = await ctx.db.client.query<{ row: string }>(
    'select row_to_json(t)::text as row from assignments_learnpackwebhook t order by id',
  );
  return rows.map((row) => row.row);
}

/** An archived purge of the ERROR rows, approved and finished; returns its id and message. */
async function archivedPurge(): Promise<{ id: number; ts: string }> {
  const purge = await preview('--status ERROR --archive');
  await click(ctx.port, ACTION.confirm, String(purge.id), 'UAPPROVER', purge.ts);
  await eventually(async () => expect((await request(purge.id)).state).toBe('succeeded'));
  return purge;
}

describe('restore from Slack', () => {
  it('offers Restore on an archived result, previews it, refuses the requester, and puts every row back once an approver confirms', async () => {
    const ids = await insertWebhooks(ctx.db.client, ['ERROR', 'DONE', 'ERROR', 'ERROR', 'DONE']);
    const before = await tableRows();
    const purge = await archivedPurge();
    await eventually(() => {
      const result = JSON.stringify(ctx.slack.of('chat.update').at(-1)?.body.blocks);
      expect(result).toContain(':package: *Archived:* the 3 deleted rows are restorable for 7 days');
      expect(result).toContain(`"action_id":"${ACTION.restore}"`);
    });
    expect(await tableRows()).toHaveLength(2);

    // Someone takes an id back meanwhile: it is skipped, counted, and left in the archive.
    await ctx.db.client.query(
      `insert into assignments_learnpackwebhook (id, is_streaming, event, payload, status, created_at, updated_at) values ($1, false, 'new', '{}', 'PENDING', now(), now())`,
      [ids[3]],
    );
    await click(ctx.port, ACTION.restore, String(purge.id), 'UREQUESTER', purge.ts);
    const restore = await eventually(async () => {
      const { rows } = await ctx.db.client.query<{
        id: number;
        message_ts: string | null;
        kind: string;
        restore_of: number;
      }>("select id, message_ts, kind, restore_of from clear_telemetry_request where kind = 'restore'");
      expect(rows[0]?.message_ts).toBeTruthy();
      return rows[0] as { id: number; message_ts: string; kind: string; restore_of: number };
    });
    expect(restore).toMatchObject({ kind: 'restore', restore_of: purge.id });
    const posted = ctx.slack.of('chat.postMessage').at(-1);
    expect(String(posted?.body.text)).toBe(
      `2 webhooks with status ERROR archived by request #${purge.id} would be restored: approval needed (request #${restore.id}).`,
    );
    const blocks = JSON.stringify(posted?.body.blocks);
    expect(blocks).toContain(
      '*Taken again:* 1 of these ids hold new rows now; those are skipped, counted, and stay in the archive',
    );
    expect(blocks).toContain('Approve and restore');

    await click(ctx.port, ACTION.confirm, String(restore.id), 'UREQUESTER', restore.message_ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toContain(
        'You made this request, so another person must approve it: ask <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>.',
      ),
    );
    expect((await request(restore.id)).state).toBe('awaiting_approval');

    await click(ctx.port, ACTION.confirm, String(restore.id), 'UAPPROVER2', restore.message_ts);
    await eventually(async () =>
      expect(await request(restore.id)).toMatchObject({ state: 'succeeded', deleted_count: 2 }),
    );
    const { rows: skipped } = await ctx.db.client.query(
      'select skipped_count from clear_telemetry_request where id = $1',
      [restore.id],
    );
    expect(skipped).toEqual([{ skipped_count: 1 }]);
    const after = await tableRows();
    expect(after.filter((row) => !row.includes('"event":"new"'))).toEqual(
      before.filter((row) => !row.startsWith(`{"id":${ids[3]},`)),
    );
    await eventually(() =>
      expect(String(ctx.slack.of('chat.update').at(-1)?.body.text)).toMatch(
        new RegExp(
          `^Restored 2 webhooks with status ERROR archived by request #${purge.id} in [\\d.,]+ m?s \\(batch, 1 batch\\); skipped 1 whose id is taken again \\(left in the archive\\)$`,
        ),
      ),
    );
    await eventually(() => expect(ctx.slack.thread(restore.message_ts)).toHaveLength(3));
    expect(ctx.slack.thread(restore.message_ts)[1]).toBe(
      `:arrow_forward: Started restoring 3 webhooks with status ERROR archived by request #${purge.id}, with their original ids (any id taken again is skipped).`,
    );

    // The purge's own message stops offering Restore, says which request restored it, and its thread says so.
    await eventually(() => {
      const purgeEdits = ctx.slack.of('chat.update').filter((call) => call.body.ts === purge.ts);
      const last = JSON.stringify(purgeEdits.at(-1)?.body.blocks);
      expect(last).toContain(`*Restored* by request #${restore.id}: the archived rows are back in the table.`);
      expect(last).not.toContain(ACTION.restore);
    });
    await eventually(() =>
      expect(ctx.slack.thread(purge.ts).at(-1)).toMatch(
        new RegExp(
          `^:leftwards_arrow_with_hook: Restored by request #${restore.id}: 2 archived rows are back in the table`,
        ),
      ),
    );
  });

  it("takes Restore only from the purge's own message, in its channel", async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR']);
    const purge = await archivedPurge();
    const topLevel = () => ctx.slack.of('chat.postMessage').filter((call) => !call.body.thread_ts).length;
    const posts = topLevel();
    await click(ctx.port, ACTION.restore, String(purge.id), 'UREQUESTER', '1700000999.000001');
    await click(ctx.port, ACTION.restore, String(purge.id), 'UREQUESTER', purge.ts, 'COTHER');
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toHaveLength(2));
    for (const text of ctx.slack.ephemeralTexts()) {
      expect(text).toMatch(/^That button does not belong to request #\d+'s message, so nothing was done\./);
    }
    // No stray preview, no dead request.
    expect(topLevel()).toBe(posts);
    expect((await ctx.db.client.query("select id from clear_telemetry_request where kind = 'restore'")).rows).toEqual(
      [],
    );
  });

  it('starts one restore when approvals arrive together, and refuses a late one once it expired', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR', 'ERROR', 'ERROR']);
    const purge = await archivedPurge();
    await slashCommand(ctx.port, `restore ${purge.id}`);
    const first = await eventually(async () => {
      const { rows } = await ctx.db.client.query<{ id: number; message_ts: string | null }>(
        "select id, message_ts from clear_telemetry_request where kind = 'restore'",
      );
      expect(rows[0]?.message_ts).toBeTruthy();
      return rows[0] as { id: number; message_ts: string };
    });
    const clicks = Array.from({ length: 6 }, (_, i) =>
      click(ctx.port, ACTION.confirm, String(first.id), i % 2 ? 'UAPPROVER' : 'UAPPROVER2', first.message_ts),
    );
    expect((await Promise.all(clicks)).map((response) => response.status)).toEqual(Array(6).fill(200));
    await eventually(async () =>
      expect(await request(first.id)).toMatchObject({ state: 'succeeded', deleted_count: 4, batches_done: 1 }),
    );
    await eventually(() =>
      expect(
        ctx.slack.thread(first.message_ts).filter((text) => text.startsWith(':arrow_forward: Started restoring')),
      ).toHaveLength(1),
    );
    expect(await tableRows()).toHaveLength(4);

    // Purged again, archived again; this restore's approval window passes before anyone approves.
    const again = await archivedPurge();
    await slashCommand(ctx.port, `restore ${again.id}`);
    const late = await eventually(async () => {
      const { rows } = await ctx.db.client.query<{ id: number; message_ts: string | null }>(
        "select id, message_ts from clear_telemetry_request where kind = 'restore' and restore_of = $1",
        [again.id],
      );
      expect(rows[0]?.message_ts).toBeTruthy();
      return rows[0] as { id: number; message_ts: string };
    });
    await ctx.db.client.query(
      "update clear_telemetry_request set expires_at = now() - interval '1 minute' where id = $1",
      [late.id],
    );
    await click(ctx.port, ACTION.confirm, String(late.id), 'UAPPROVER', late.message_ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toContainEqual(
        expect.stringMatching(
          /^This request expired at .* UTC\. To ask again, `\/clear-telemetry restore \d+` previews it afresh\.$/,
        ),
      ),
    );
    expect((await request(late.id)).state).toBe('expired');
    expect(await tableRows()).toHaveLength(0);
  });

  it('refuses, to the asker only, a purge that was not archived', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const purge = await preview('--status ERROR');
    await click(ctx.port, ACTION.confirm, String(purge.id), 'UAPPROVER', purge.ts);
    await eventually(async () => expect((await request(purge.id)).state).toBe('succeeded'));
    // Top-level messages only: the purge's thread replies may still be arriving.
    const previews = () => ctx.slack.of('chat.postMessage').filter((call) => !call.body.thread_ts).length;
    const posts = previews();

    await slashCommand(ctx.port, `restore ${purge.id}`);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toContain(
        `Cannot restore: request #${purge.id} was not archived (it ran without --archive), so its rows cannot be restored.`,
      ),
    );
    expect(previews()).toBe(posts);
    const { rows } = await ctx.db.client.query<{ n: number }>(
      "select count(*)::int as n from clear_telemetry_request where kind = 'restore'",
    );
    expect(rows[0]?.n).toBe(0);
  });
});
