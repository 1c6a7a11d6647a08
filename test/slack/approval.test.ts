import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { RunningApp } from '../../src/start-app.js';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db.js';
import { click, eventually, FakeSlack, slashCommand } from '../helpers/fake-slack.js';
import { settle, startTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks, remainingIds, truncateWebhooks } from '../helpers/webhooks.js';

let db: ScratchDb;
let running: RunningApp;
let slack: FakeSlack;
let port: number;
let clockOffset = 0;

beforeAll(async () => {
  db = await createScratchDb(inject('templateDb'));
  slack = new FakeSlack();
  running = await startTestApp(db.url, {
    env: { CLEAR_TELEMETRY_BREAK_GLASS: 'UBREAKGLASS', CLEAR_TELEMETRY_APPROVAL_TTL: '15m' },
    clockOffsetMs: () => clockOffset,
  });
  port = running.port ?? 0;
});

afterEach(async () => {
  await settle(running);
});

afterAll(async () => {
  await running?.stop();
  await db?.drop();
});

beforeEach(async () => {
  slack = new FakeSlack();
  // The app caches group members for a minute, so every test's Slack must agree on them.
  slack.groups.set('SONCALL', ['UONCALL']);
  clockOffset = 0;
  await truncateWebhooks(db.client);
  await db.client.query('delete from clear_telemetry_request');
});

interface Row {
  id: number;
  state: string;
  approver_id: string | null;
  self_approved: boolean;
  decided_by: string | null;
  deleted_count: number;
  message_ts: string | null;
}

async function request(id: number): Promise<Row> {
  const { rows } = await db.client.query<Row>('select * from clear_telemetry_request where id = $1', [id]);
  if (!rows[0]) throw new Error(`no request ${id}`);
  return rows[0];
}

/** Types the command and waits until its preview is posted and recorded; returns the request and message ts. */
async function preview(text: string, user = 'UREQUESTER'): Promise<{ id: number; ts: string }> {
  const before = slack.of('chat.postMessage').length;
  await slashCommand(port, text, user);
  return eventually(async () => {
    const { rows } = await db.client.query<Row>('select * from clear_telemetry_request order by id desc limit 1');
    const row = rows[0];
    expect(row?.message_ts).toBeTruthy();
    expect(slack.of('chat.postMessage').length).toBe(before + 1);
    return { id: row?.id ?? 0, ts: row?.message_ts ?? '' };
  });
}

const lastUpdate = () => slack.of('chat.update').at(-1);
const lastUpdateText = () => String(lastUpdate()?.body.text);

describe('approval by a second person', () => {
  it('refuses the requester, and nothing is deleted', async () => {
    await insertWebhooks(db.client, Array.from({ length: 8 }, () => 'ERROR'));
    const { id, ts } = await preview('--status ERROR');

    await click(port, ACTION.confirm, String(id), 'UREQUESTER', ts);

    await eventually(() => expect(slack.ephemeralTexts()).toEqual(['You asked for this purge, so another approver must confirm it.']));
    expect(await request(id)).toMatchObject({ state: 'awaiting_approval', approver_id: null });
    expect(await countByStatus(db.client)).toEqual({ ERROR: 8 });
    expect(slack.of('chat.update')).toEqual([]);
  });

  it('refuses someone who is not an approver', async () => {
    await insertWebhooks(db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await click(port, ACTION.confirm, String(id), 'UBYSTANDER', ts);
    await eventually(() => expect(slack.ephemeralTexts()).toEqual(['Only approvers (CLEAR_TELEMETRY_APPROVERS) can confirm a purge.']));
    expect((await request(id)).state).toBe('awaiting_approval');
  });

  it('deletes exactly the previewed rows once an approver confirms, keeping rows that arrived after the preview', async () => {
    const ids = await insertWebhooks(db.client, [...Array.from({ length: 30 }, () => 'ERROR'), ...Array.from({ length: 5 }, () => 'DONE')]);
    const { id, ts } = await preview('--status ERROR --batch-size 7');
    const late = await insertWebhooks(db.client, Array.from({ length: 4 }, () => 'ERROR'));

    await click(port, ACTION.confirm, String(id), 'UAPPROVER', ts);

    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    expect(await remainingIds(db.client)).toEqual([...ids.slice(30), ...late]);
    expect(await request(id)).toMatchObject({ approver_id: 'UAPPROVER', self_approved: false, deleted_count: 30 });

    await eventually(() => expect(lastUpdateText()).toMatch(/^Deleted 30 records with status ERROR in \d+ ms \(native, 1 batch\)$/));
    const finalBlocks = JSON.stringify(lastUpdate()?.body.blocks);
    expect(finalBlocks).toContain('Clear telemetry: done');
    expect(finalBlocks).toContain('requested by <@UREQUESTER> · approved by <@UAPPROVER>');
    expect(finalBlocks).not.toContain('"actions"');
    expect(slack.of('chat.update').every((call) => call.body.channel === 'COPS' && call.body.ts === ts)).toBe(true);

    await eventually(() => expect(slack.thread(ts)).toHaveLength(3));
    const [approved, started, finished] = slack.thread(ts);
    expect(approved).toBe(':white_check_mark: Approved by <@UAPPROVER>.');
    expect(started).toBe(':arrow_forward: Started deleting 30 webhooks with status ERROR, id ≤ 30 (one statement).');
    expect(finished).toMatch(
      /^:white_check_mark: Deleted 30 records with status ERROR in \d+ ms \(native, 1 batch\) · requested by <@UREQUESTER> · approved by <@UAPPROVER>$/,
    );
    expect(slack.ephemeralTexts()).toEqual([]);
  });

  it('accepts an approver through their user group', async () => {
    await insertWebhooks(db.client, ['DONE', 'DONE']);
    const { id, ts } = await preview('--status DONE');
    await click(port, ACTION.confirm, String(id), 'UONCALL', ts);
    await eventually(async () => expect(await request(id)).toMatchObject({ state: 'succeeded', approver_id: 'UONCALL' }));
  });

  it('starts exactly one run when ten approvals arrive at once', async () => {
    await insertWebhooks(db.client, Array.from({ length: 20 }, () => 'PENDING'));
    const { id, ts } = await preview('--status PENDING');

    const clicks = Array.from({ length: 10 }, (_, i) => click(port, ACTION.confirm, String(id), i % 2 ? 'UAPPROVER' : 'UAPPROVER2', ts));
    expect((await Promise.all(clicks)).map((response) => response.status)).toEqual(Array(10).fill(200));

    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    await eventually(() => expect(slack.ephemeralTexts()).toHaveLength(9));
    const winner = (await request(id)).approver_id;
    for (const text of slack.ephemeralTexts()) expect(text).toMatch(new RegExp(`^(Too late|Nothing to do): this request was already approved by <@${winner}>`));
    await eventually(() => expect(slack.thread(ts)).toHaveLength(3));
    expect(slack.thread(ts).filter((text) => text.includes('Approved by'))).toHaveLength(1);
    expect(await countByStatus(db.client)).toEqual({});
  });
});

describe('break-glass', () => {
  it('lets a break-glass user confirm their own --force request, recorded as self-approved', async () => {
    await insertWebhooks(db.client, ['IGNORED', 'IGNORED']);
    const { id, ts } = await preview('--status IGNORED --force', 'UBREAKGLASS');
    expect(JSON.stringify(slack.of('chat.postMessage')[0]?.body.blocks)).toContain('<@UBREAKGLASS> may confirm it themselves (break-glass, --force).');

    await click(port, ACTION.confirm, String(id), 'UBREAKGLASS', ts);

    await eventually(async () => expect(await request(id)).toMatchObject({ state: 'succeeded', approver_id: 'UBREAKGLASS', self_approved: true }));
    await eventually(() => expect(slack.thread(ts)[0]).toBe(':white_check_mark: Self-approved by <@UBREAKGLASS> (break-glass, --force).'));
  });

  it('does not let --force help someone who is not break-glass', async () => {
    await insertWebhooks(db.client, ['IGNORED']);
    const { id, ts } = await preview('--status IGNORED --force');
    expect(JSON.stringify(slack.of('chat.postMessage')[0]?.body.blocks)).toContain('--force changes nothing here: <@UREQUESTER> is not a break-glass user.');
    await click(port, ACTION.confirm, String(id), 'UREQUESTER', ts);
    await eventually(() =>
      expect(slack.ephemeralTexts()).toEqual([
        'You asked for this purge, so another approver must confirm it. (--force lets only break-glass users confirm their own request.)',
      ]),
    );
    expect((await request(id)).state).toBe('awaiting_approval');
  });
});

describe('cancel, expiry and late clicks', () => {
  it('cancels on the requester\'s click: message closed, thread reply, later clicks explained', async () => {
    await insertWebhooks(db.client, ['ERROR', 'ERROR']);
    const { id, ts } = await preview('--status ERROR');

    await click(port, ACTION.cancel, String(id), 'UREQUESTER', ts);

    await eventually(async () => expect(await request(id)).toMatchObject({ state: 'cancelled', decided_by: 'UREQUESTER' }));
    await eventually(() => expect(lastUpdateText()).toBe('Cancelled by <@UREQUESTER>. Nothing was deleted.'));
    expect(JSON.stringify(lastUpdate()?.body.blocks)).not.toContain('clear_telemetry_confirm');
    await eventually(() => expect(slack.thread(ts)).toEqual([':no_entry_sign: Cancelled by <@UREQUESTER>. Nothing was deleted.']));

    await click(port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await eventually(() => expect(slack.ephemeralTexts()).toEqual([expect.stringMatching(/^Nothing to do: this request was cancelled by <@UREQUESTER> at /)]));
    expect(await countByStatus(db.client)).toEqual({ ERROR: 2 });
  });

  it('refuses a cancel from someone who is neither the requester nor an approver', async () => {
    await insertWebhooks(db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await click(port, ACTION.cancel, String(id), 'UBYSTANDER', ts);
    await eventually(() => expect(slack.ephemeralTexts()).toEqual(['Only the requester or an approver can cancel this request.']));
    expect((await request(id)).state).toBe('awaiting_approval');
  });

  it('expires a request nobody approved in time, and a late Confirm changes nothing', async () => {
    await insertWebhooks(db.client, ['ERROR', 'ERROR', 'ERROR']);
    const { id, ts } = await preview('--status ERROR');
    clockOffset = 16 * 60_000;

    await click(port, ACTION.confirm, String(id), 'UAPPROVER', ts);

    await eventually(() => expect(slack.ephemeralTexts()).toEqual([expect.stringMatching(/^This request expired at .* UTC\. Run \/clear-telemetry again for a fresh preview\.$/)]));
    expect((await request(id)).state).toBe('expired');
    await eventually(() => expect(lastUpdateText()).toMatch(/^Expired at .* UTC without approval\. Nothing was deleted\.$/));
    await eventually(() => expect(slack.thread(ts)).toEqual([expect.stringMatching(/^:no_entry_sign: Expired at .* without approval/)]));
    expect(await countByStatus(db.client)).toEqual({ ERROR: 3 });
  });

  it('explains a click on a finished request', async () => {
    await insertWebhooks(db.client, ['DONE']);
    const { id, ts } = await preview('--status DONE');
    await click(port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await eventually(async () => expect((await request(id)).state).toBe('succeeded'));
    await click(port, ACTION.cancel, String(id), 'UREQUESTER', ts);
    await eventually(() => expect(slack.ephemeralTexts()).toEqual(['Nothing to do: this request was approved by <@UAPPROVER> and has finished.']));
  });

  it('explains a click on a request that is not in the ledger', async () => {
    await click(port, ACTION.confirm, '999', 'UAPPROVER', '1700000000.000999');
    await eventually(() =>
      expect(slack.ephemeralTexts()).toEqual(['This request is not in the ledger any more. Run /clear-telemetry again for a fresh preview.']),
    );
  });
});
