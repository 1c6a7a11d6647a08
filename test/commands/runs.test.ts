import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import type { RunningApp } from '../../src/start-app.js';
import { click, eventually, FakeSlack, slashCommand } from '../helpers/fake-slack.js';
import { editsOf, ledgerRow, preview, waitForDeleted, waitForState } from '../helpers/requests.js';
import { createScratchDb, seedWebhooks, withClient, type ScratchDb } from '../helpers/scratch-db.js';
import { settle, startTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks, remainingIds, truncateWebhooks } from '../helpers/webhooks.js';

/**
 * Runs under faults, with two app instances ("replicas") on one database in this process. Every
 * run is slowed to 5,000 rows/s in batches of 1,000, so it lasts a few seconds.
 */
let db: ScratchDb;
let a: RunningApp;
let b: RunningApp;
let slack: FakeSlack;

const env = {
  CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
  CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '5000',
  CLEAR_TELEMETRY_LOCK_TIMEOUT_MS: '200',
  CLEAR_TELEMETRY_STALE_AFTER: '3s',
};

beforeAll(async () => {
  db = await createScratchDb(inject('templateDb'));
  slack = new FakeSlack();
  a = await startTestApp(db.url, { env, runnerId: 'replica-a', janitorEveryMs: 500 });
  b = await startTestApp(db.url, { env, runnerId: 'replica-b', janitorEveryMs: 500 });
});

/**
 * Both replicas' runs and Slack deliveries: a request approved on A may be claimed by B's janitor
 * (every 500 ms here) before A claims it, so which one runs it is not fixed.
 */
function settleBoth(): Promise<unknown> {
  return Promise.all([settle(a), settle(b)]);
}

afterEach(async () => {
  await settleBoth();
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
});

beforeEach(async () => {
  slack = new FakeSlack();
  await truncateWebhooks(db.client);
  await db.client.query('delete from clear_telemetry_request');
  await db.client.query('delete from clear_telemetry_notice');
  await seedWebhooks(db.client, 20_000, 20_000);
});

const portOf = (app: RunningApp) => app.port ?? 0;

async function approve(app: RunningApp, text = '--status PENDING --batch-size 1000', user = 'UAPPROVER') {
  const request = await preview(db.client, slack, portOf(app), text);
  await click(portOf(app), ACTION.confirm, String(request.id), user, request.ts);
  return request;
}

describe('several replicas', () => {
  it('stops a run on one replica when Stop is clicked on the other', async () => {
    const { id, ts } = await approve(a);
    const running = await waitForDeleted(db.client, id, 2_000);
    // Approved on A, the run goes to whichever replica claims it first: A right after the click, or
    // B's janitor (every 500 ms here) in between. Stop is clicked on the one that does not run it.
    expect(['replica-a', 'replica-b']).toContain(running.runner_id);
    const [runner, other] = running.runner_id === 'replica-a' ? [a, b] : [b, a];

    await click(portOf(other), ACTION.stop, String(id), 'UREQUESTER', ts);

    const stopped = await waitForState(db.client, id, 'stopped');
    expect(stopped.stop_requested_by).toBe('UREQUESTER');
    expect(stopped.deleted_count).toBeLessThan(20_000);
    expect(await countByStatus(db.client)).toEqual({ PENDING: 20_000 - stopped.deleted_count });
    await settle(runner);
    const sofar = stopped.deleted_count.toLocaleString('en-US');
    expect(editsOf(slack, ts).at(-1)).toContain(
      `Stopped by <@UREQUESTER> after ${sofar} of 20,000 webhooks with status PENDING`,
    );
    expect(slack.thread(ts)).toContainEqual(
      ':octagonal_sign: Stop requested by <@UREQUESTER>; the run stops after its current batch.',
    );
    expect(slack.thread(ts).at(-1)).toMatch(
      new RegExp(`^:octagonal_sign: Stopped by <@UREQUESTER> after ${sofar} of 20,000`),
    );
  });

  it('a runner that lost its request deletes no further row and stops', async () => {
    const { id } = await approve(a);
    await waitForDeleted(db.client, id, 2_000);
    // Another runner takes the request over (as after a resume elsewhere). The batch transaction
    // locks this row, so the count returned is exactly what was committed before the takeover.
    const { rows } = await db.client.query<{ deleted_count: number }>(
      `update clear_telemetry_request set runner_id = 'replica-elsewhere' where id = $1 returning deleted_count`,
      [id],
    );
    const before = rows[0]?.deleted_count ?? -1;
    await Promise.all([a.deps.runner.idle(), b.deps.runner.idle()]);
    expect(await ledgerRow(db.client, id)).toMatchObject({
      state: 'running',
      runner_id: 'replica-elsewhere',
      deleted_count: before,
    });
    // Not one row more: its next batch found the ledger naming someone else, and it stopped.
    expect((await countByStatus(db.client)).PENDING).toBe(20_000 - before);
    expect(before).toBeLessThan(20_000);
    await db.client.query(`update clear_telemetry_request set state = 'stopped' where id = $1`, [id]);
  });

  it('starts one run when 20 approvals arrive at once on two replicas', async () => {
    const request = await preview(db.client, slack, portOf(a), '--status PENDING --batch-size 5000');
    const clicks = Array.from({ length: 20 }, (_, i) =>
      click(portOf(i % 2 ? a : b), ACTION.confirm, String(request.id), i % 3 ? 'UAPPROVER' : 'UAPPROVER2', request.ts),
    );
    await Promise.all(clicks);
    const done = await waitForState(db.client, request.id, 'succeeded');
    expect(done.deleted_count).toBe(20_000);
    await eventually(() => expect(slack.ephemeralTexts()).toHaveLength(19));
    await Promise.all([settle(a), settle(b)]);
    expect(slack.thread(request.ts).filter((text) => text.includes('Approved by'))).toHaveLength(1);
    expect(slack.thread(request.ts).filter((text) => text.includes('Started deleting'))).toHaveLength(1);
  });

  it('queues a second approved request behind the running one, then runs it', async () => {
    const dones = await insertWebhooks(
      db.client,
      Array.from({ length: 300 }, () => 'DONE'),
    );
    const first = await approve(a);
    await waitForDeleted(db.client, first.id, 1_000);
    const second = await approve(b, '--status DONE');

    await eventually(() => expect(editsOf(slack, second.ts).at(-1)).toContain(`Queued behind request #${first.id}`));
    expect((await ledgerRow(db.client, second.id)).state).toBe('approved');
    // The audit reply and the edit travel separately (outbox and post limiter vs. the edit throttle).
    await eventually(() =>
      expect(slack.thread(second.ts)).toContainEqual(
        `:hourglass_flowing_sand: Queued behind request #${first.id} on the same table.`,
      ),
    );

    await waitForState(db.client, first.id, 'succeeded');
    const later = await waitForState(db.client, second.id, 'succeeded');
    expect(later.deleted_count).toBe(300);
    expect(await remainingIds(db.client)).toEqual([]);
    expect(dones).toHaveLength(300);
    // Both replicas' janitors retried it every 500 ms while it waited; it was said once.
    await settleBoth();
    expect(slack.thread(second.ts).filter((text) => text.includes('Queued behind'))).toHaveLength(1);
    expect(editsOf(slack, second.ts).filter((text) => text.includes('Queued behind'))).toHaveLength(1);
  });

  it('cancels a queued request with the Cancel button on its queued message', async () => {
    await insertWebhooks(
      db.client,
      Array.from({ length: 50 }, () => 'DONE'),
    );
    const first = await approve(a);
    await waitForDeleted(db.client, first.id, 1_000);
    const second = await approve(b, '--status DONE');
    const queued = await eventually(() => {
      const call = slack
        .of('chat.update')
        .find((update) => update.body.ts === second.ts && String(update.body.text).startsWith('Queued behind'));
      expect(call).toBeDefined();
      return call;
    });
    const buttons = (
      queued?.body.blocks as { type: string; elements?: { action_id: string; text: { text: string } }[] }[]
    ).find((block) => block.type === 'actions');
    expect(buttons?.elements?.map((button) => [button.text.text, button.action_id])).toEqual([
      ['Cancel', ACTION.cancel],
    ]);

    await click(portOf(a), ACTION.cancel, String(second.id), 'UREQUESTER', second.ts);

    expect((await waitForState(db.client, second.id, 'cancelled')).decided_by).toBe('UREQUESTER');
    await waitForState(db.client, first.id, 'succeeded');
    expect(await countByStatus(db.client)).toEqual({ DONE: 50 });
  });
});

describe('pausing', () => {
  it('pauses between batches on Pause, and carries on with Continue', async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 1_000);
    await click(portOf(b), ACTION.pause, String(id), 'UAPPROVER', ts);
    await eventually(() =>
      expect(editsOf(slack, ts).at(-1)).toMatch(/Paused: since <!date\^\d+\^[^>]+> by <@UAPPROVER>/),
    );
    expect(editsOf(slack, ts).at(-1)).toContain(ACTION.continue);
    // Paused, yet alive: two heartbeats go by without a row deleted.
    const held = await ledgerRow(db.client, id);
    for (let beat = 0; beat < 2; beat++) {
      const before = (await ledgerRow(db.client, id)).heartbeat_at.getTime();
      await eventually(async () =>
        expect((await ledgerRow(db.client, id)).heartbeat_at.getTime()).toBeGreaterThan(before),
      );
    }
    expect((await ledgerRow(db.client, id)).deleted_count).toBe(held.deleted_count);

    await click(portOf(a), ACTION.continue, String(id), 'UREQUESTER', ts);
    expect((await waitForState(db.client, id, 'succeeded')).deleted_count).toBe(20_000);
    await settleBoth();
    expect(slack.thread(ts)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^:double_vertical_bar: Paused: since <!date\^\d+\^[^>]+> by <@UAPPROVER>\.$/),
        ':arrow_forward: Continuing.',
      ]),
    );
  });

  it('holds while a VACUUM works on the table, and goes on when it ends', async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 1_000);
    const vacuum = withClient(db.url, async (client) => {
      await client.query(`set vacuum_cost_delay = '50ms'; set vacuum_cost_limit = 1`);
      await client.query('vacuum assignments_learnpackwebhook').catch(() => undefined);
    });
    await eventually(() =>
      expect(editsOf(slack, ts).at(-1)).toContain('VACUUM is running on assignments_learnpackwebhook'),
    );
    await db.client.query(
      `select pg_cancel_backend(pid) from pg_stat_progress_vacuum where relid = 'assignments_learnpackwebhook'::regclass`,
    );
    await vacuum;
    expect((await waitForState(db.client, id, 'succeeded')).deleted_count).toBe(20_000);
  });
});

describe('database faults', () => {
  it("retries when the runner's connection is terminated, then succeeds", async () => {
    const { id } = await approve(a);
    await waitForDeleted(db.client, id, 2_000);
    const { rows } = await db.client.query<{ killed: boolean }>(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
       where datname = current_database() and application_name = 'clear-telemetry' and pid <> pg_backend_pid()`,
    );
    const deletedAtKill = (await ledgerRow(db.client, id)).deleted_count;
    expect(rows.length).toBeGreaterThan(0);
    expect(deletedAtKill).toBeLessThan(20_000);
    // The run went on by itself: it was neither failed nor interrupted, and it deleted every row exactly once.
    const done = await waitForState(db.client, id, 'succeeded');
    expect(done).toMatchObject({ deleted_count: 20_000, error: null, runner_id: 'replica-a' });
    expect(await countByStatus(db.client)).toEqual({});
  });

  it('shrinks a batch that hits a lock timeout, retries, and succeeds', async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 1_000);
    const { rows } = await db.client.query<{ id: number }>(
      'select min(id) + 6500 as id from assignments_learnpackwebhook',
    );
    const locked = withClient(db.url, async (client) => {
      await client.query('begin');
      await client.query('select id from assignments_learnpackwebhook where id = $1 for update', [rows[0]?.id]);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await client.query('commit');
    });
    const done = await waitForState(db.client, id, 'succeeded');
    await locked;
    expect(done.deleted_count).toBe(20_000);
    expect(done.batches_done).toBeGreaterThan(20);
    await settleBoth();
    // The retry happened (more batches than ids / 1,000), and it stayed in the log: the channel is not told of it.
    expect(editsOf(slack, ts).some((text) => /lock timeout|Adjusting/.test(text))).toBe(false);
  });
});

describe('Slack faults', () => {
  it('finishes through 10 s of 429s and 500s, then delivers the result and the audit reply once', async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 1_000);
    slack.outage(10_000, { status: 429, headers: { 'retry-after': '1' } }, { status: 500, body: { ok: false } });
    const outageEnds = slack.outageEnds;

    const done = await waitForState(db.client, id, 'succeeded');
    expect(Date.now()).toBeLessThan(outageEnds);
    expect(done.deleted_count).toBe(20_000);

    await settleBoth();
    const finals = slack
      .of('chat.update')
      .filter((call) => call.body.ts === ts && String(call.body.text).startsWith('Deleted 20,000'));
    expect(finals.at(-1)?.at).toBeGreaterThanOrEqual(outageEnds);
    const finished = slack
      .of('chat.postMessage')
      .filter((call) => call.body.thread_ts === ts && String(call.body.text).includes('Deleted 20,000'));
    expect(finished.at(-1)?.at).toBeGreaterThanOrEqual(outageEnds);
    expect(slack.thread(ts).filter((text) => text.includes('Deleted 20,000'))).toHaveLength(1);
    const { rows } = await db.client.query<{ undelivered: string }>(
      'select count(*) as undelivered from clear_telemetry_notice where delivered_at is null',
    );
    expect(rows[0]?.undelivered).toBe('0');
  });

  it('posts a new message in the thread when the original can no longer be edited', async () => {
    slack.script('chat.update', { status: 200, body: { ok: false, error: 'message_not_found' } });
    const { id, ts } = await approve(a);
    await waitForState(db.client, id, 'succeeded');
    await settleBoth();
    const reposted = slack
      .of('chat.postMessage')
      .find((call) => call.body.thread_ts === ts && String(call.body.text).startsWith('Deleting'));
    expect(reposted).toBeDefined();
    const updates = slack.of('chat.update');
    expect(updates[0]?.body.ts).toBe(ts);
    expect(updates.slice(1).every((call) => call.body.ts !== ts)).toBe(true);
    expect(String(updates.at(-1)?.body.text)).toMatch(/^Deleted 20,000/);
  });

  it('delivers a notice that a dead process left undelivered', async () => {
    await db.client.query(
      `insert into clear_telemetry_notice (request_id, kind, channel_id, ts, text, blocks, created_at, claimed_by, claimed_until, attempts)
       values (99, 'reply', 'COPS', '1700000000.999999', 'left behind', '[]', now(), 'dead-replica', now() - interval '1 second', 0)`,
    );
    await eventually(() => expect(slack.thread('1700000000.999999')).toEqual(['left behind']));
    await eventually(async () => {
      const { rows } = await db.client.query<{ delivered: boolean }>(
        'select delivered_at is not null as delivered from clear_telemetry_notice',
      );
      expect(rows).toEqual([{ delivered: true }]);
    });
  });

  it('never delivers a left-behind edit over a newer edit of the same message', async () => {
    const ts = '1700000000.888888';
    await db.client.query(
      `insert into clear_telemetry_notice (request_id, kind, channel_id, ts, text, blocks, created_at, claimed_by, claimed_until, attempts, delivered_at)
       values (98, 'edit', 'COPS', $1, 'Interrupted after deleting 34,000 of 60,000', '[]', now(), 'dead-replica', now() - interval '1 second', 0, null),
              (98, 'edit', 'COPS', $1, 'Deleted 60,000 webhooks', '[]', now(), 'replica-b', now() + interval '1 minute', 0, now())`,
      [ts],
    );
    const stale = await eventually(async () => {
      const { rows } = await db.client.query<{ delivered: boolean; last_error: string | null }>(
        `select delivered_at is not null as delivered, last_error from clear_telemetry_notice where text like 'Interrupted%'`,
      );
      expect(rows[0]?.delivered).toBe(true);
      return rows[0];
    });
    expect(stale?.last_error).toMatch(/^superseded/);
    expect(slack.of('chat.update')).toEqual([]);
  });

  it('never delivers a left-behind result edit once its request runs again', async () => {
    const request = await preview(db.client, slack, portOf(a), '--status PENDING --batch-size 1000');
    await db.client.query(
      `update clear_telemetry_request set state = 'running', runner_id = 'replica-elsewhere', heartbeat_at = now() + interval '1 hour' where id = $1`,
      [request.id],
    );
    await db.client.query(
      `insert into clear_telemetry_notice (request_id, kind, channel_id, ts, text, blocks, created_at, claimed_by, claimed_until, attempts)
       values ($1, 'edit', 'COPS', $2, 'Interrupted: the process running it was shut down', '[]', now(), 'dead-replica', now() - interval '1 second', 0)`,
      [request.id, request.ts],
    );
    await eventually(async () => {
      const { rows } = await db.client.query<{ last_error: string | null }>(
        `select last_error from clear_telemetry_notice where request_id = $1`,
        [request.id],
      );
      expect(rows[0]?.last_error).toMatch(/^superseded/);
    });
    expect(editsOf(slack, request.ts)).toEqual([]);
    await db.client.query(`update clear_telemetry_request set state = 'stopped' where id = $1`, [request.id]);
  });
});

describe('what a person can do to a run by its number, or from its message', () => {
  it('resumes a stopped run from the Resume on its stopped message: the rest of the same plan, nothing newer', async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 2_000);
    await click(portOf(b), ACTION.stop, String(id), 'UREQUESTER', ts);
    const stopped = await waitForState(db.client, id, 'stopped');
    await settleBoth();
    const left = (20_000 - stopped.deleted_count).toLocaleString('en-US');
    expect(editsOf(slack, ts).at(-1)).toContain(
      `Resume* deletes the remaining ${left} previewed rows, within the same watermark`,
    );
    expect(editsOf(slack, ts).at(-1)).toContain(ACTION.resume);
    const late = await insertWebhooks(db.client, ['PENDING', 'PENDING']);

    await click(portOf(a), ACTION.resume, String(id), 'UAPPROVER2', ts);

    expect(await waitForState(db.client, id, 'succeeded')).toMatchObject({ deleted_count: 20_000 });
    expect(await remainingIds(db.client)).toEqual(late);
    await settleBoth();
    expect(slack.thread(ts)).toContainEqual(':arrow_forward: Resume requested by <@UAPPROVER2>.');
  });

  it("takes /clear-telemetry stop, pause, continue and resume N typed in the channel, with the buttons' rules", async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 1_000);
    await slashCommand(portOf(b), `pause ${id}`, 'UAPPROVER', 'COPS', slack.hooks);
    await eventually(async () => expect((await ledgerRow(db.client, id)).state).toBe('running'));
    await eventually(() => expect(editsOf(slack, ts).at(-1)).toContain('Clear telemetry: paused'));
    await slashCommand(portOf(b), `continue ${id}`, 'UAPPROVER', 'COPS', slack.hooks);
    await slashCommand(portOf(a), `stop #${id}`, 'UBYSTANDER', 'COPS', slack.hooks);
    await eventually(() =>
      expect(slack.ephemeralTexts()).toContain('Only the requester or an approver can stop this purge.'),
    );
    await slashCommand(portOf(a), `stop ${id}`, 'UREQUESTER', 'COPS', slack.hooks);
    const stopped = await waitForState(db.client, id, 'stopped');
    expect(stopped.stop_requested_by).toBe('UREQUESTER');
    await slashCommand(portOf(a), `resume ${id}`, 'UREQUESTER', 'COPS', slack.hooks);
    await eventually(() =>
      expect(slack.ephemeralTexts()).toContain(
        'Only approvers can resume this request: ask <@UAPPROVER>, <@UAPPROVER2> or members of <!subteam^SONCALL>.',
      ),
    );
    await slashCommand(portOf(a), `resume ${id}`, 'UAPPROVER', 'COPS', slack.hooks);
    expect((await waitForState(db.client, id, 'succeeded')).deleted_count).toBe(20_000);
  });

  it("counts the bot's own repost of a message that could no longer be edited as the request's message", async () => {
    const { id, ts } = await approve(a);
    await waitForDeleted(db.client, id, 1_000);
    // The original is gone (deleted in the channel): edits go to a new message, in its thread or the channel.
    slack.script('chat.update', { status: 200, body: { ok: false, error: 'message_not_found' } }, 1);
    slack.script('chat.postMessage', { status: 200, body: { ok: false, error: 'thread_not_found' } }, 1);
    const reposted = await eventually(async () => {
      const row = await db.client.query<{ reposted_ts: string | null }>(
        'select reposted_ts from clear_telemetry_request where id = $1',
        [id],
      );
      expect(row.rows[0]?.reposted_ts).toBeTruthy();
      return row.rows[0]?.reposted_ts ?? '';
    });
    // A click on the repost (a top-level message of the bot's) acts on the request.
    await click(portOf(b), ACTION.stop, String(id), 'UREQUESTER', reposted);
    expect((await waitForState(db.client, id, 'stopped')).stop_requested_by).toBe('UREQUESTER');
    // And a repost inside the request's thread carries the thread's ts: accepted as well.
    await click(portOf(b), ACTION.resume, String(id), 'UAPPROVER', '1700000999.000001', 'COPS', slack.hooks, ts);
    await waitForState(db.client, id, 'succeeded');
    // A message that is neither: refused.
    await click(portOf(b), ACTION.stop, String(id), 'UREQUESTER', '1700000999.000002');
    await eventually(() =>
      expect(slack.ephemeralTexts().at(-1)).toMatch(/^That button does not belong to request #\d+'s message/),
    );
  });
});
