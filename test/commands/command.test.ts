import { databaseParts } from '../../src/db/database-label.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { usage } from '../../src/domain/plan/usage.js';
import { eventually, postSigned, sign, slashCommand } from '../helpers/fake-slack.js';
import { TEST_LIMITS, useTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks } from '../helpers/webhooks.js';

let clockOffset = 0;

const ctx = useTestApp({
  env: { CLEAR_TELEMETRY_CHANNELS: 'COPS,CPRIVATE', CLEAR_TELEMETRY_REQUESTERS: 'UREQUESTER,UAPPROVER,SREQUESTERS' },
  clockOffsetMs: () => clockOffset,
});

beforeEach(async () => {
  // Each test starts past the app's user-group cache, so tests pass in any order.
  clockOffset += 2 * TEST_LIMITS.groupCacheMs;
  await insertWebhooks(ctx.db.client, [
    ...Array.from({ length: 12 }, () => 'ERROR'),
    ...Array.from({ length: 3 }, () => 'DONE'),
  ]);
});

const ledger = async () =>
  (
    await ctx.db.client.query<{ id: number; state: string; channel_id: string; message_ts: string }>(
      'select * from clear_telemetry_request',
    )
  ).rows;

describe('request signing', () => {
  const body =
    'command=%2Fclear-telemetry&text=help&user_id=U1&channel_id=COPS&team_id=T1&response_url=https%3A%2F%2Fhooks.slack.test%2Fx';

  it.each([
    ['no signature', { signature: null }],
    ['a forged signature', { signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000' }],
    ['the wrong secret', { signature: sign(body, Math.floor(Date.now() / 1000), 'not-the-secret') }],
    ['a stale timestamp (6 minutes old)', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
  ])('answers 401 to %s and does nothing', async (_, options) => {
    const response = await postSigned(ctx.port, body, options);
    expect(response.status).toBe(401);
    expect(ctx.slack.calls).toEqual([]);
  });

  it('answers a correctly signed request', async () => {
    expect((await postSigned(ctx.port, body)).status).toBe(200);
  });

  it("serves the operators' routes on a port of their own, never on Slack's", async () => {
    const response = await fetch(`http://127.0.0.1:${ctx.opsPort}/healthz`);
    expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
    expect(ctx.opsPort).not.toBe(ctx.port);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await fetch(`http://127.0.0.1:${ctx.port}${path}`)).status, path).toBe(404);
    }
  });

  it('is ready when the database answers, the migrations are applied and Slack took the token; not ready otherwise', async () => {
    const ready = await fetch(`http://127.0.0.1:${ctx.opsPort}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ready', checks: { database: 'ok', migrations: 'ok', slack: 'ok' } },
    ]);

    const { rows } = await ctx.db.client.query<{ name: string }>(
      'delete from clear_telemetry_migrations where id = (select max(id) from clear_telemetry_migrations) returning name',
    );
    try {
      const notReady = await fetch(`http://127.0.0.1:${ctx.opsPort}/readyz`);
      expect([notReady.status, await notReady.json()]).toEqual([
        503,
        { status: 'not ready', checks: { database: 'ok', migrations: '1 pending: run npm run migrate', slack: 'ok' } },
      ]);
    } finally {
      await ctx.db.client.query('insert into clear_telemetry_migrations (name, executed_at) values ($1, now())', [
        rows[0]?.name,
      ]);
    }
  });
});

describe('refusals: ephemeral, with usage, nothing posted or touched', () => {
  it.each([
    ['--status BOGUS', "'BOGUS' is not a status. Use PENDING, DONE, IGNORED, ERROR or ALL."],
    ['--batch-size 0', "--batch-size must be a whole number from 1 to 100,000 (got '0')."],
    ['--nuke', 'Unknown option --nuke.'],
    ['ERROR', "Unexpected argument 'ERROR'. Flags start with --, for example --status ERROR."],
  ])('%s', async (text, problem) => {
    const response = await slashCommand(ctx.port, text);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: `${problem}\n\n\`\`\`${usage('/clear-telemetry')}\`\`\``,
    });
    expect(ctx.slack.calls).toEqual([]);
    expect(await ledger()).toEqual([]);
  });

  it('says its version for --version, and does nothing else', async () => {
    const response = await slashCommand(ctx.port, '--version');
    expect(await response.json()).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'clear-telemetry 0.1.0',
    });
    expect(ctx.slack.calls).toEqual([]);
    expect(await ledger()).toEqual([]);
  });

  it('shows usage for help', async () => {
    const response = await slashCommand(ctx.port, 'help');
    expect(await response.json()).toMatchObject({
      response_type: 'ephemeral',
      text: `\`\`\`${usage('/clear-telemetry')}\`\`\``,
    });
  });

  it('refuses a channel that is not allowed', async () => {
    const response = await slashCommand(ctx.port, '--status ERROR', 'UREQUESTER', 'CRANDOM');
    expect(await response.json()).toMatchObject({
      response_type: 'ephemeral',
      text: 'This command is not enabled in this channel. Use it in <#COPS>, <#CPRIVATE>.',
    });
    expect(ctx.slack.calls).toEqual([]);
  });

  it('refuses a user who may not request, after checking their user group', async () => {
    ctx.slack.groups.set('SREQUESTERS', ['UGROUPIE']);
    const response = await slashCommand(ctx.port, '--status ERROR', 'USTRANGER');
    expect(response.status).toBe(200);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'You are not allowed to request a purge (CLEAR_TELEMETRY_REQUESTERS). Ask an on-call lead.',
      ]),
    );
    expect(ctx.slack.calls.map((call) => [call.method, call.body.usergroup])).toEqual([
      ['usergroups.users.list', 'SREQUESTERS'],
    ]);
    expect(await ledger()).toEqual([]);
  });

  it('lets a member of a requester group ask (membership is cached briefly)', async () => {
    ctx.slack.groups.set('SREQUESTERS', ['UGROUPIE']);
    await slashCommand(ctx.port, '--status ERROR', 'UGROUPIE');
    await eventually(() => expect(ctx.slack.of('chat.postMessage')).toHaveLength(1));
    await slashCommand(ctx.port, '--status DONE', 'UGROUPIE');
    await eventually(() => expect(ctx.slack.of('chat.postMessage')).toHaveLength(2));
    expect(ctx.slack.of('usergroups.users.list')).toHaveLength(1);
  });

  it('says how to invite the bot when it cannot post in the channel, and forgets the request', async () => {
    ctx.slack.script('chat.postMessage', { status: 200, body: { ok: false, error: 'not_in_channel' } });
    await slashCommand(ctx.port, '--status ERROR', 'UREQUESTER', 'CPRIVATE');
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'I cannot post in this channel (not_in_channel). Invite me with `/invite @clear-telemetry`: a private channel needs an invitation, and public ones need the chat:write.public scope.',
      ]),
    );
    expect(await ledger()).toEqual([]);
  });
});

describe('the preview', () => {
  it('is posted in the channel with the summary, the plan and Confirm/Cancel carrying only the request id', async () => {
    const ack = await slashCommand(ctx.port, '—status error —batch-size 5');
    expect(ack.status).toBe(200);
    expect(await ack.text()).toBe('');

    const [post] = await eventually(() => {
      const posts = ctx.slack.of('chat.postMessage');
      expect(posts).toHaveLength(1);
      return posts;
    });
    const rows = await eventually(async () => {
      const rows = await ledger();
      expect(rows[0]?.message_ts).toBeTruthy();
      return rows;
    });
    expect(rows).toMatchObject([{ id: 1, state: 'awaiting_approval', channel_id: 'COPS' }]);
    expect(rows[0]?.message_ts).toMatch(/^1700000000\.\d{6}$/);
    expect(post?.body).toMatchObject({
      channel: 'COPS',
      text: '12 webhooks with status ERROR would be deleted: approval needed (request #1).',
    });
    const blocks = JSON.stringify(post?.body.blocks);
    for (const expected of [
      'Clear telemetry: approval needed',
      `database \`${databaseParts(ctx.db.url).name}\` on ${databaseParts(ctx.db.url).host}`,
      '<@UREQUESTER> asks to delete *12* webhooks with status *ERROR*',
      '*Matching:* 12 rows',
      '*Watermark:* id ≤ 12',
      "*Method:* batch, because --batch-size 5 aims each batch at up to 5 rows, as the old command's batches (a batch is an id range, so it can hold more where matching rows bunch up)",
      'DONE      3',
      'ERROR    12',
      'Total    15',
      '*Needs approval from <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL> (not <@UREQUESTER>)* · expires <!date^',
      // Relative to when each reader looks at it, not to when it was posted.
      '^{ago}|',
      'Request #1',
    ]) {
      expect(blocks).toContain(expected);
    }
    const actions = (
      post?.body.blocks as { type: string; elements?: { action_id: string; value: string; style?: string }[] }[]
    ).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ['clear_telemetry_confirm', '1', 'danger'],
      ['clear_telemetry_cancel', '1', undefined],
    ]);
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 12, DONE: 3 });
  });

  it.each([[''], ['--dry-run'], ['--older-than 7d --archive']])(
    'answers %j, which names no status, with help and status to the asker only: no preview, no request',
    async (text) => {
      await slashCommand(ctx.port, text);
      const [reply] = await eventually(() => {
        expect(ctx.slack.responses).toHaveLength(1);
        return ctx.slack.responses;
      });
      expect(reply?.body).toMatchObject({ response_type: 'ephemeral' });
      const lines = String(reply?.body.text).split('\n');
      expect(lines[0]).toBe(
        'Nothing was previewed or deleted: a purge needs `--status`, to say which webhooks (for example `/clear-telemetry --status ERROR`). It then posts a preview for a second person to approve.',
      );
      expect(lines).toContain('*Now:*');
      expect(lines).toContain('Nothing is running, queued, awaiting approval or resumable.');
      expect(lines.find((line) => line.startsWith('*Table:*'))).toMatch(
        /^\*Table:\* DONE 3 · ERROR 12 · IGNORED 0 · PENDING 0/,
      );
      expect(String(reply?.body.text)).toContain('```Usage: /clear-telemetry --status STATUS');
      expect(ctx.slack.of('chat.postMessage')).toEqual([]);
      expect(await ledger()).toEqual([]);
      expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 12, DONE: 3 });
    },
  );

  it('shows a dry run only to the person who asked, without buttons, and stores nothing', async () => {
    await slashCommand(ctx.port, '--status ERROR --dry-run');
    const [reply] = await eventually(() => {
      expect(ctx.slack.responses).toHaveLength(1);
      return ctx.slack.responses;
    });
    expect(reply?.body).toMatchObject({
      response_type: 'ephemeral',
      text: 'Dry run: 12 webhooks with status ERROR would be deleted. Nothing was deleted.',
    });
    const blocks = JSON.stringify(reply?.body.blocks);
    expect(blocks).toContain('Dry run: nothing will be deleted.');
    expect(blocks).not.toContain('clear_telemetry_confirm');
    expect(ctx.slack.of('chat.postMessage')).toEqual([]);
    expect(await ledger()).toEqual([]);
  });

  it('posts a dry run in the channel with --show-summary', async () => {
    await slashCommand(ctx.port, '--status ERROR --dry-run --show-summary');
    const [post] = await eventually(() => {
      const posts = ctx.slack.of('chat.postMessage');
      expect(posts).toHaveLength(1);
      return posts;
    });
    expect(JSON.stringify(post?.body.blocks)).toContain('Total    15');
    expect(ctx.slack.responses).toEqual([]);
    expect(await ledger()).toEqual([]);
  });

  it('says only to the person who asked when nothing matches, and still shows the summary', async () => {
    await slashCommand(ctx.port, '--status IGNORED');
    const [reply] = await eventually(() => {
      expect(ctx.slack.responses).toHaveLength(1);
      return ctx.slack.responses;
    });
    expect(reply?.body.text).toBe('Nothing to delete: there are no IGNORED rows.');
    expect(JSON.stringify(reply?.body.blocks)).toContain('Total    15');
    expect(ctx.slack.of('chat.postMessage')).toEqual([]);
    expect(await ledger()).toEqual([]);
  });
});
