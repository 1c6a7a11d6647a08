import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan/plan.js';
import type { NewPurgeRequest } from '../../src/domain/request/request.js';
import { eventually, slashCommand } from '../helpers/fake-slack.js';
import { useTestApp } from '../helpers/test-app.js';
import { insertWebhooks } from '../helpers/webhooks.js';

/** `/clear-telemetry status` and `history`, through the signed HTTP path, on a ledger holding a request in every state. */
const ctx = useTestApp();

const at = new Date('2026-11-29T03:00:00Z');
const plan = (status: Plan['status'], matching: number): Plan => ({
  status,
  summary: { rows: [], total: 0 },
  matching,
  watermark: matching,
  firstId: 1,
  snapshot: null,
  cutoff: null,
  kept: 0,
  limit: null,
  replicaLagHidden: false,
  overCap: null,
  oldest: null,
  newest: null,
  newestPending: null,
  method: 'batch',
  methodReason: 'test',
  batchSize: 1_000,
  batches: 1,
  estimatedMs: 10,
  plannedAt: at,
  undo: { kind: 'none', forbidden: false },
});
const asked = (status: Plan['status'], matching: number, requesterId = 'UREQUESTER'): NewPurgeRequest => ({
  source: 'slack',
  plan: plan(status, matching),
  force: false,
  useCursor: false,
  requesterId,
  teamId: 'T1',
  channelId: 'COPS',
  expiresAt: new Date('2099-01-01T00:15:00Z'),
});
const ran = (state: 'succeeded' | 'failed' | 'stopped' | 'interrupted', deleted: number) => ({
  state,
  position: { lastId: deleted, deleted, batches: 2 },
  methodUsed: 'batch',
  fallbackReason: null,
  error: state === 'failed' ? 'boom' : null,
  activeMs: 4_200,
});

/** One request in each state, ids 1 to 8 in this order. */
async function everyState() {
  const ledger = ctx.app.deps.ledger;
  const messages = async (id: number) => ledger.attachMessage(id, 'COPS', `1700000000.00000${id}`);
  const make = async (status: Plan['status'], matching: number) => {
    const request = await ledger.create(asked(status, matching));
    await messages(request.id);
    return request.id;
  };
  const approved = async (id: number) => ledger.approve(id, 'UAPPROVER', false, new Date());
  const finished = async (id: number, result: ReturnType<typeof ran>) => {
    await approved(id);
    await ledger.start(id, 'elsewhere');
    await ledger.finish(id, 'elsewhere', result, new Date());
  };
  await finished(await make('DONE', 500), ran('succeeded', 500)); // 1
  await finished(await make('ERROR', 900), ran('failed', 300)); // 2
  await finished(await make('IGNORED', 50), ran('interrupted', 20)); // 3
  await ledger.cancel(await make('PENDING', 10), 'UREQUESTER', new Date()); // 4
  const running = await make('PENDING', 20_000); // 5
  await approved(running);
  await ledger.start(running, 'elsewhere');
  await ctx.db.client.query('update clear_telemetry_request set deleted_count = 4000 where id = $1', [running]);
  await approved(await make('ERROR', 700)); // 6: queued
  await make('DONE', 30); // 7: awaiting approval
  await ctx.db.client.query(`update clear_telemetry_request set created_at = $1`, [at]);
}

/** The ephemeral reply to `text`: the one that arrives after it is sent. */
const reply = async (text: string) => {
  const before = ctx.slack.ephemeralTexts().length;
  const response = await slashCommand(ctx.port, text);
  expect(response.status).toBe(200);
  return eventually(() => {
    const texts = ctx.slack.ephemeralTexts();
    expect(texts).toHaveLength(before + 1);
    return texts.at(-1) ?? '';
  });
};
const link = (id: number) => `<https://example.slack.com/archives/COPS/p170000000000000${id}|message>`;

describe('/clear-telemetry status', () => {
  it('shows the run, the queue, what awaits approval, what can be resumed and the table, to the asker only', async () => {
    await insertWebhooks(ctx.db.client, ['DONE', 'ERROR', 'ERROR']);
    await everyState();
    const text = await reply('status');
    expect(text.split('\n')).toEqual([
      `*Running:* #5, 4,000 of 20,000 webhooks with status PENDING deleted (20.0%), requested by <@UREQUESTER>, approved by <@UAPPROVER> · runner elsewhere · ${link(5)}`,
      `*Queued:* #6, 700 webhooks with status ERROR, requested by <@UREQUESTER>, approved by <@UAPPROVER>; starts when the table is free · ${link(6)}`,
      `*Awaiting approval:* #7, 30 webhooks with status DONE, requested by <@UREQUESTER>, expires <!date^4070909700^{date_short_pretty} at {time_secs}|2099-01-01 00:15:00 UTC> · ${link(7)}`,
      `*Resumable:* #3, interrupted after deleting 20 of 50 webhooks with status IGNORED · \`/clear-telemetry resume 3\` · ${link(3)}`,
      `*Resumable:* #2, failed after deleting 300 of 900 webhooks with status ERROR · \`/clear-telemetry resume 2\` · ${link(2)}`,
      expect.stringMatching(
        /^\*Table:\* DONE 1 · ERROR 2 · IGNORED 0 · PENDING 0 \(counted (just now|[\d.]+ (ms|s) ago)\)$/,
      ),
    ]);
    expect(ctx.slack.of('chat.postMessage')).toEqual([]);
  });

  it('says when there is nothing going on', async () => {
    expect((await reply('status')).split('\n')[0]).toBe('Nothing is running, queued, awaiting approval or resumable.');
  });
});

describe('/clear-telemetry history', () => {
  it('lists the last requests, newest first, one line each', async () => {
    await everyState();
    const lines = (await reply('history --limit 4')).split('\n');
    const when = '<!date^1795921200^{date_short_pretty} at {time_secs}|2026-11-29 03:00:00 UTC>';
    expect(lines).toEqual([
      '*The last 4 requests:*',
      `#7 · ${when} · <@UREQUESTER> · DONE · batch · 0 of 30 · awaiting approval · ${link(7)}`,
      `#6 · ${when} · <@UREQUESTER> → <@UAPPROVER> · ERROR · batch · 0 of 700 · approved · ${link(6)}`,
      expect.stringMatching(
        new RegExp(
          `^#5 · ${escape(when)} · <@UREQUESTER> → <@UAPPROVER> · PENDING · batch · 4,000 of 20,000 · [\\d.]+ (ms|s) · running · ${escape(link(5))}$`,
        ),
      ),
      `#4 · ${when} · <@UREQUESTER> · PENDING · batch · 0 of 10 · cancelled · ${link(4)}`,
    ]);
    const all = (await reply('history')).split('\n');
    expect(all).toHaveLength(8);
    expect(all.at(-1)).toBe(
      `#1 · ${when} · <@UREQUESTER> → <@UAPPROVER> · DONE · batch · 500 of 500 · 4.2 s · succeeded · ${link(1)}`,
    );
  });

  it('refuses more than 50, and flags that do not apply, in the ack', async () => {
    for (const [text, problem] of [
      ['history --limit 51', 'history shows at most 50 requests (got --limit 51).'],
      ['status --status ERROR', '--status does not apply to status.'],
    ]) {
      const response = await slashCommand(ctx.port, text ?? '');
      expect(((await response.json()) as { text: string }).text).toContain(problem);
    }
    expect(ctx.slack.of('chat.postMessage')).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
