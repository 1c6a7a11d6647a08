import { usage } from '../../src/domain/plan/usage.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { blockKitViolations } from '../helpers/block-kit-limits.js';
import { click, eventually, postSigned, slashCommand } from '../helpers/fake-slack.js';
import { ledgerRow, preview as previewOn, waitForState } from '../helpers/requests.js';
import { withClient } from '../helpers/scratch-db.js';
import { useTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks } from '../helpers/webhooks.js';

const ctx = useTestApp({
  env: { CLEAR_TELEMETRY_CHANNELS: 'COPS,CSECOND' },
  previewLimits: { perUserPerMinute: 3, waitingOnCensus: 50, censusReuseMs: 0 },
});

beforeEach(() => {
  ctx.slack.groups.set('SONCALL', ['UONCALL']);
});

const request = (id: number) => ledgerRow(ctx.db.client, id);
// Each preview from a new requester: previews are limited per user (the last test checks that).
let requesters = 0;
const preview = (text: string, user = `UREQ${++requesters}`) =>
  previewOn(ctx.db.client, ctx.slack, ctx.port, text, user);
const refusal = (id: number) =>
  `That button does not belong to request #${id}'s message, so nothing was done. Use the buttons on the request's own message, or type \`/clear-telemetry status\`.`;

describe('a click acts only on the request whose message carries it', () => {
  it("refuses Confirm on one request's message carrying another request's id, and deletes nothing", async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR', 'DONE']);
    const a = await preview('--status ERROR');
    const b = await preview('--status DONE', 'UOTHER');

    await click(ctx.port, ACTION.confirm, String(b.id), 'UAPPROVER', a.ts);

    await eventually(() => expect(ctx.slack.ephemeralTexts()).toEqual([refusal(b.id)]));
    expect(await request(b.id)).toMatchObject({ state: 'awaiting_approval', approver_id: null });
    expect(await request(a.id)).toMatchObject({ state: 'awaiting_approval', approver_id: null });
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 2, DONE: 1 });
    expect(ctx.slack.of('chat.update')).toEqual([]);
  });

  it('refuses Confirm of the right message clicked from another channel', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts, 'CSECOND');
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toEqual([refusal(id)]));
    expect((await request(id)).state).toBe('awaiting_approval');
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1 });
  });

  it('refuses a click in a channel where the command is no longer allowed', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await ctx.db.client.query(`update clear_telemetry_request set channel_id = 'CRETIRED' where id = $1`, [id]);
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts, 'CRETIRED');
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual(['This command is not enabled in this channel, so nothing was done.']),
    );
    expect((await request(id)).state).toBe('awaiting_approval');
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1 });
  });

  it("refuses Pause and Resume from another request's message", async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'DONE']);
    const running = await preview('--status ERROR');
    const other = await preview('--status DONE');
    await ctx.db.client.query(
      `update clear_telemetry_request set state = 'running', runner_id = 'elsewhere', heartbeat_at = now() where id = $1`,
      [running.id],
    );
    await click(ctx.port, ACTION.pause, String(running.id), 'UAPPROVER', other.ts);
    await ctx.db.client.query(
      `update clear_telemetry_request set state = 'interrupted', runner_id = null where id = $1`,
      [other.id],
    );
    await click(ctx.port, ACTION.resume, String(other.id), 'UAPPROVER', running.ts);

    await eventually(() =>
      expect(ctx.slack.ephemeralTexts().sort()).toEqual([refusal(other.id), refusal(running.id)].sort()),
    );
    expect(await request(running.id)).toMatchObject({ state: 'running', runner_id: 'elsewhere' });
    expect(
      (await ctx.db.client.query('select paused_by from clear_telemetry_request where id = $1', [running.id])).rows[0],
    ).toEqual({ paused_by: null });
    expect(await request(other.id)).toMatchObject({ state: 'interrupted', runner_id: null });
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1, DONE: 1 });
    await ctx.db.client.query(`update clear_telemetry_request set state = 'stopped' where id = $1`, [running.id]);
  });

  it.each(['1e0', '01', '1.0', ' 1', '0x1', '99999999999', '-1'])(
    'reads the button value %j as no request',
    async (value) => {
      await insertWebhooks(ctx.db.client, ['ERROR']);
      const { id, ts } = await preview('--status ERROR');
      expect(id).toBe(1);
      await click(ctx.port, ACTION.confirm, value, 'UAPPROVER', ts);
      await eventually(() =>
        expect(ctx.slack.ephemeralTexts()).toEqual([
          'This request is not in the ledger any more, so nothing was done: `/clear-telemetry status` shows what is.',
        ]),
      );
      expect((await request(id)).state).toBe('awaiting_approval');
    },
  );

  it('acknowledges an unknown button at once and does nothing', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    const before = ctx.slack.calls.length;
    const response = await click(ctx.port, 'clear_telemetry_delete_all', String(id), 'UAPPROVER', ts);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(ctx.slack.calls).toHaveLength(before);
    expect((await request(id)).state).toBe('awaiting_approval');
    expect(ctx.slack.ephemeralTexts()).toEqual([]);
  });
});

describe('who may click what', () => {
  it('refuses Resume from a bystander and from a requester who is not an approver, changing nothing', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR', 'UASKER');
    await ctx.db.client.query(
      `update clear_telemetry_request set state = 'interrupted', approver_id = 'UAPPROVER' where id = $1`,
      [id],
    );
    await click(ctx.port, ACTION.resume, String(id), 'UBYSTANDER', ts);
    await click(ctx.port, ACTION.resume, String(id), 'UASKER', ts);
    const refusal =
      'Only approvers can resume this request: ask <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>.';
    await eventually(() => expect(ctx.slack.ephemeralTexts()).toEqual([refusal, refusal]));
    expect(await request(id)).toMatchObject({ state: 'interrupted', runner_id: null });
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1 });
  });

  it('refuses Stop, Pause and Continue from a bystander, changing nothing', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const { id, ts } = await preview('--status ERROR');
    await ctx.db.client.query(
      `update clear_telemetry_request set state = 'running', runner_id = 'elsewhere', heartbeat_at = now() where id = $1`,
      [id],
    );
    try {
      for (const action of [ACTION.stop, ACTION.pause, ACTION.continue])
        await click(ctx.port, action, String(id), 'UBYSTANDER', ts);
      await eventually(() =>
        expect(ctx.slack.ephemeralTexts().sort()).toEqual(
          [
            'Only the requester or an approver can stop this purge.',
            'Only the requester or an approver can pause this purge.',
            'Only the requester or an approver can continue this purge.',
          ].sort(),
        ),
      );
      const { rows } = await ctx.db.client.query(
        'select state, stop_requested_by, paused_by from clear_telemetry_request where id = $1',
        [id],
      );
      expect(rows[0]).toEqual({ state: 'running', stop_requested_by: null, paused_by: null });
    } finally {
      await ctx.db.client.query(`update clear_telemetry_request set state = 'stopped' where id = $1`, [id]);
    }
  });
});

describe('text from users and the database is echoed inert', () => {
  it('escapes and clips what was typed in a usage reply', async () => {
    const response = await slashCommand(ctx.port, `--status <!channel>${'x'.repeat(4_500)}`);
    const body = (await response.json()) as { text: string };
    expect(body.text).toMatch(/^'&lt;!channel&gt;x{280,}…\n\n```Usage: \/clear-telemetry /);
    // The usage, plus the clipped echo: never the whole text that was typed.
    expect(body.text.length).toBeLessThan(usage('/clear-telemetry').length + 400);
    const mention = (await (await slashCommand(ctx.port, '<@UBOSS> <https://evil.example|click>')).json()) as {
      text: string;
    };
    expect(mention.text.split('\n')[0]).toBe(
      "Unexpected argument '&lt;@UBOSS&gt;'. Flags start with --, for example --status ERROR.",
    );
  });

  it('treats a command without a text field as the bare command: help and status to the asker, nothing posted', async () => {
    await insertWebhooks(ctx.db.client, ['PENDING']);
    const body = new URLSearchParams({
      team_id: 'T1',
      channel_id: 'COPS',
      user_id: 'UNOTEXT',
      command: '/clear-telemetry',
      response_url: `${ctx.slack.hooks}/commands/T1/no-text`,
      trigger_id: '1.2.3',
    }).toString();
    expect((await postSigned(ctx.port, body)).status).toBe(200);
    await eventually(() => expect(ctx.slack.ephemeralTexts()[0]).toContain('a purge needs `--status`'));
    expect(ctx.slack.of('chat.postMessage')).toEqual([]);
    expect((await ctx.db.client.query('select id from clear_telemetry_request')).rows).toEqual([]);
  });

  it('escapes status values from the database in the summary', async () => {
    // The column is varchar(9): the longest markup that fits.
    await insertWebhooks(ctx.db.client, ['ERROR', '<!here>']);
    await preview('--status ERROR');
    const blocks = JSON.stringify(ctx.slack.of('chat.postMessage')[0]?.body.blocks);
    expect(blocks).toContain('&lt;!here&gt;');
    expect(blocks).not.toContain('<!here>');
  });

  it('survives a few hundred fuzzed commands: replies within Block Kit limits, no live markup from the text', async () => {
    let seed = 20261129;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      '--status',
      'ERROR',
      'all',
      '--dry-run',
      '--batch-size',
      '7',
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<!subteam^S123>',
      '<@UVICTIM>',
      '<https://evil.example|click>',
      '<#C999>',
      '&amp;',
      '&',
      '>',
      '<',
      '—status',
      '--yolo',
      '=',
      'x'.repeat(900),
      '*bold*',
      '`code`',
      '\n',
    ];
    const live = /<(!|@|#|https?:)/;
    for (let i = 0; i < 300; i++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 8) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join(random() < 0.5 ? ' ' : '');
      const user = `UFUZZ${i}`;
      const response = await slashCommand(ctx.port, text, user, 'COPS', ctx.slack.hooks);
      expect(response.status).toBe(200);
      const raw = await response.text();
      const acked = raw ? (JSON.parse(raw) as { text?: string }).text : undefined;
      if (acked !== undefined) {
        expect(acked.length, text).toBeLessThanOrEqual(4_000);
        expect(live.test(acked), `${text} -> ${acked}`).toBe(false);
      }
    }
    await eventually(() =>
      expect(ctx.slack.of('chat.postMessage').length + ctx.slack.responses.length).toBeGreaterThan(0),
    );
    for (const call of ctx.slack.of('chat.postMessage')) {
      const message = { text: String(call.body.text), blocks: call.body.blocks as unknown[] };
      expect(blockKitViolations(message)).toEqual([]);
      expect(live.test(JSON.stringify(message).replace(/<@UFUZZ\d+>/g, ''))).toBe(false);
    }
    for (const response of ctx.slack.responses) expect(live.test(String(response.body.text))).toBe(false);
  }, 60_000);
});

describe('limits on previews, each a scan of the table', () => {
  it("refuses a user's fourth preview within a minute, touching nothing", async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    for (let i = 0; i < 3; i++) await preview('--status ERROR', 'UEAGER');
    await slashCommand(ctx.port, '--status ERROR', 'UEAGER', 'COPS', ctx.slack.hooks);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'You asked for several previews in a short time: wait a minute, or use the one already posted.',
      ]),
    );
    expect((await ctx.db.client.query('select count(*)::int as n from clear_telemetry_request')).rows[0]).toEqual({
      n: 3,
    });
  });
});

describe('one preview at a time per person', () => {
  it('refuses a second preview while the first is still counting, touching nothing', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'DONE']);
    await withClient(ctx.db.url, async (locker) => {
      // The first census waits behind this lock, so the first preview is still being made.
      await locker.query('begin');
      await locker.query('lock table assignments_learnpackwebhook in access exclusive mode');
      await slashCommand(ctx.port, '--status ERROR', 'UTWICE', 'COPS', ctx.slack.hooks);
      await eventually(async () => {
        const { rows } = await ctx.db.client.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
        expect(rows[0]?.n).toBeGreaterThan(0);
      });
      await slashCommand(ctx.port, '--status DONE', 'UTWICE', 'COPS', ctx.slack.hooks);
      await eventually(() =>
        expect(ctx.slack.ephemeralTexts()).toContain(
          'You asked for several previews in a short time: wait a minute, or use the one already posted.',
        ),
      );
      await locker.query('rollback');
    });
    await eventually(async () => {
      const { rows } = await ctx.db.client.query<{ status_filter: string }>(
        'select status_filter from clear_telemetry_request',
      );
      expect(rows).toEqual([{ status_filter: 'ERROR' }]);
    });
  });
});

describe('database errors stay out of the channel', () => {
  it('reports a foreign-key failure by its category and request id, never the SQL', async () => {
    const [ref] = await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR']);
    await ctx.db.client.query(
      'create table hostile_ref (webhook_id integer references assignments_learnpackwebhook (id))',
    );
    try {
      await ctx.db.client.query('insert into hostile_ref values ($1)', [ref]);
      const { id, ts } = await preview('--status ERROR');
      await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
      const row = await waitForState(ctx.db.client, id, 'failed');
      expect(row.error).toBe('a database error (SQLSTATE 23503, foreign key)');
      await eventually(() =>
        expect(ctx.slack.thread(ts).at(-1)).toContain('a database error (SQLSTATE 23503, foreign key)'),
      );
      const shown = JSON.stringify(ctx.slack.calls.map((call) => call.body));
      expect(shown).not.toMatch(/delete from|xmin|assignments_learnpackwebhook" where/i);
      expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 2 });
    } finally {
      await ctx.db.client.query('drop table hostile_ref');
    }
  });
});
