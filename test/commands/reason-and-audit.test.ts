import { beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually, slashCommand } from '../helpers/fake-slack.js';
import { keptLog } from '../helpers/log-lines.js';
import { editsOf, ledgerRow, preview as previewOn, waitForDeleted, waitForState } from '../helpers/requests.js';
import { seedWebhooks } from '../helpers/scratch-db.js';
import { settle, useTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks } from '../helpers/webhooks.js';

/**
 * A reason on every request (required here), and the audit stream: one JSON log line per decision.
 * Runs are held to 5,000 rows/s in batches of 1,000, so a person has time to pause and stop them.
 */
const kept = keptLog();
let clockOffset = 0;
const ctx = useTestApp({
  env: {
    CLEAR_TELEMETRY_REQUIRE_REASON: 'true',
    CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
    CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '5000',
    CLEAR_TELEMETRY_APPROVAL_TTL: '15m',
  },
  log: kept.log,
  clockOffsetMs: () => clockOffset,
});

beforeEach(() => {
  kept.lines.length = 0;
  clockOffset = 0;
});

const HOSTILE = 'INC-9 <!channel> & <https://evil.example|click> *now*';
const SHOWN = 'INC-9 &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; *now*';
const preview = (text: string, user = 'UREQUESTER') => previewOn(ctx.db.client, ctx.slack, ctx.port, text, user);
const reasonOf = async (id: number) =>
  (
    await ctx.db.client.query<{ reason: string | null }>('select reason from clear_telemetry_request where id = $1', [
      id,
    ])
  ).rows[0]?.reason;
/** Every text and block Slack was sent: no raw mention, link or broadcast may be in it. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const everythingSent = () => JSON.stringify(ctx.slack.calls.map((call) => call.body));

describe('a reason on every request', () => {
  it('keeps hostile text as typed in the ledger, and shows it escaped in the preview, the thread, the result and history', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR', 'DONE']);
    const { id, ts } = await preview(`--status ERROR --reason "${HOSTILE}"`);
    expect(await reasonOf(id)).toBe(HOSTILE);
    const [post] = ctx.slack.of('chat.postMessage');
    expect(JSON.stringify(post?.body.blocks)).toContain(JSON.stringify(`*Reason:* ${SHOWN}`).slice(1, -1));

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await waitForState(ctx.db.client, id, 'succeeded');
    await settle(ctx.app);
    expect(ctx.slack.thread(ts)).toEqual([
      `:white_check_mark: Approved by <@UAPPROVER>. Reason: ${SHOWN}.`,
      expect.stringMatching(/^:arrow_forward: Started deleting 2 webhooks with status ERROR/),
      expect.stringMatching(
        new RegExp(`^:white_check_mark: Deleted 2 webhooks with status ERROR .* · reason: ${escapeRegExp(SHOWN)}$`),
      ),
    ]);
    expect(editsOf(ctx.slack, ts).at(-1)).toContain(`reason: ${SHOWN}`);

    await slashCommand(ctx.port, 'history', 'UREQUESTER', 'COPS', ctx.slack.hooks);
    await eventually(() => expect(ctx.slack.ephemeralTexts().at(-1)).toContain(`reason: ${SHOWN}`));
    expect(everythingSent()).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(kept.events('requested')).toEqual([expect.objectContaining({ requestId: id, reason: HOSTILE })]);
    expect(await countByStatus(ctx.db.client)).toEqual({ DONE: 1 });
  });

  it('refuses a request without one, says how to add it, and records nothing; a dry run needs none', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    await slashCommand(ctx.port, '--status ERROR', 'UREQUESTER', 'COPS', ctx.slack.hooks);
    await slashCommand(ctx.port, 'restore --request 1', 'UREQUESTER', 'COPS', ctx.slack.hooks);
    const refusal =
      'A reason is required here (CLEAR_TELEMETRY_REQUIRE_REASON): add --reason with an incident, a ticket or one sentence, for example --reason "INC-1234 queue full".';
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toHaveLength(2));
    for (const text of ctx.slack.ephemeralTexts()) expect(text.startsWith(`${refusal}\n\n\`\`\`Usage:`)).toBe(true);
    expect((await ctx.db.client.query('select id from clear_telemetry_request')).rows).toEqual([]);
    expect(ctx.slack.of('chat.postMessage')).toEqual([]);

    await slashCommand(ctx.port, '--status ERROR --dry-run', 'UREQUESTER', 'COPS', ctx.slack.hooks);
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toHaveLength(3));
    expect(ctx.slack.ephemeralTexts()[2]).toMatch(/ERROR/);
    expect(ctx.slack.ephemeralTexts()[2]).not.toContain('A reason is required');
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1 });
  });
});

describe('the audit stream', () => {
  it('writes one line per decision of a run, each with its event name and fields', async () => {
    await seedWebhooks(ctx.db.client, 20_000, 20_000);
    const { id, ts } = await preview('--status PENDING --batch-size 1000 --archive --reason INC-42');
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await waitForDeleted(ctx.db.client, id, 1_000);
    await click(ctx.port, ACTION.pause, String(id), 'UAPPROVER', ts);
    await eventually(() => expect(kept.events('paused')).toHaveLength(1));
    await click(ctx.port, ACTION.continue, String(id), 'UREQUESTER', ts);
    await click(ctx.port, ACTION.stop, String(id), 'UREQUESTER', ts);
    const stopped = await waitForState(ctx.db.client, id, 'stopped');
    await click(ctx.port, ACTION.resume, String(id), 'UAPPROVER2', ts);
    await waitForState(ctx.db.client, id, 'succeeded');
    await settle(ctx.app);

    const matching = 20_000;
    const request = { requestId: id, audit: true, level: 30 };
    expect(kept.events('requested')).toEqual([
      expect.objectContaining({
        ...request,
        msg: 'request created',
        kind: 'purge',
        source: 'slack',
        requester: 'UREQUESTER',
        channel: 'COPS',
        status: 'PENDING',
        matching,
        watermark: expect.any(Number) as number,
        method: 'batch',
        reason: 'INC-42',
      }),
    ]);
    expect(kept.events('approved')).toEqual([
      expect.objectContaining({
        ...request,
        msg: 'request approved',
        kind: 'purge',
        approver: 'UAPPROVER',
        selfApproved: false,
        reason: 'INC-42',
      }),
    ]);
    expect(kept.events('paused')).toEqual([
      expect.objectContaining({ ...request, msg: 'pause requested', by: 'UAPPROVER', from: 'running' }),
    ]);
    expect(kept.events('stopped')).toEqual([
      expect.objectContaining({ ...request, msg: 'stop requested', by: 'UREQUESTER' }),
    ]);
    expect(kept.events('resumed')).toEqual([
      expect.objectContaining({ ...request, msg: 'run resumed', by: 'UREQUESTER', from: 'paused' }),
      expect.objectContaining({ ...request, msg: 'run resumed', by: 'UAPPROVER2', from: 'stopped' }),
    ]);
    const runner = ctx.app.runnerId;
    expect(kept.events('started')).toEqual([
      expect.objectContaining({
        ...request,
        msg: 'run started',
        kind: 'purge',
        runner,
        method: 'batch',
        matching,
        resumed: false,
      }),
      expect.objectContaining({ ...request, kind: 'purge', runner, resumed: true, from: stopped.last_deleted_id }),
    ]);
    expect(kept.events('finished')).toEqual([
      expect.objectContaining({
        ...request,
        msg: 'run finished',
        kind: 'purge',
        state: 'stopped',
        deleted: stopped.deleted_count,
      }),
      expect.objectContaining({
        ...request,
        kind: 'purge',
        state: 'succeeded',
        // The request's total: a resumed run counts what it deleted before the stop too.
        deleted: matching,
        durationMs: expect.any(Number) as number,
      }),
    ]);

    await slashCommand(
      ctx.port,
      `restore --request ${id} --reason "INC-42 wrong status"`,
      'UREQUESTER',
      'COPS',
      ctx.slack.hooks,
    );
    const restore = await eventually(async () => {
      const { rows } = await ctx.db.client.query<{ id: number; message_ts: string }>(
        `select id, message_ts from clear_telemetry_request where kind = 'restore' and message_ts is not null`,
      );
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    await click(ctx.port, ACTION.confirm, String(restore.id), 'UAPPROVER', restore.message_ts);
    await waitForState(ctx.db.client, restore.id, 'succeeded', 60_000);
    await settle(ctx.app);
    expect(kept.events('requested').at(-1)).toEqual(
      expect.objectContaining({
        requestId: restore.id,
        kind: 'restore',
        restoreOf: id,
        requester: 'UREQUESTER',
        reason: 'INC-42 wrong status',
      }),
    );
    expect(kept.events('restored')).toEqual([
      expect.objectContaining({
        requestId: restore.id,
        msg: 'restore finished',
        kind: 'restore',
        restoreOf: id,
        state: 'succeeded',
        restored: matching,
      }),
    ]);
    expect(await countByStatus(ctx.db.client)).toEqual({ PENDING: matching });
  });

  it('writes cancelled and expired with who and when', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'DONE']);
    const cancelled = await preview('--status ERROR --reason INC-1');
    await click(ctx.port, ACTION.cancel, String(cancelled.id), 'UREQUESTER', cancelled.ts);
    await waitForState(ctx.db.client, cancelled.id, 'cancelled');
    const expired = await preview('--status DONE --reason INC-2');
    clockOffset = 16 * 60_000;
    await click(ctx.port, ACTION.confirm, String(expired.id), 'UAPPROVER', expired.ts);
    await waitForState(ctx.db.client, expired.id, 'expired');

    expect(kept.events('cancelled')).toEqual([
      expect.objectContaining({ requestId: cancelled.id, msg: 'request cancelled', by: 'UREQUESTER', queued: false }),
    ]);
    const { expires_at } = await ledgerRow(ctx.db.client, expired.id).then(
      (row) => row as unknown as { expires_at: Date },
    );
    expect(kept.events('expired')).toEqual([
      expect.objectContaining({ requestId: expired.id, msg: 'request expired', expiresAt: expires_at.toISOString() }),
    ]);
    expect(kept.events('approved')).toEqual([]);
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1, DONE: 1 });
  });
});
