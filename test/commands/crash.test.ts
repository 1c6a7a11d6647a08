import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { startChildApp, type ChildApp } from '../helpers/child-app.js';
import { click, eventually, FakeSlack } from '../helpers/fake-slack.js';
import { editsOf, ledgerRow, preview, waitForDeleted, waitForState } from '../helpers/requests.js';
import { createScratchDb, seedWebhooks, type ScratchDb } from '../helpers/scratch-db.js';
import { insertWebhooks, remainingIds, truncateWebhooks } from '../helpers/webhooks.js';

/**
 * The app as real processes: killed with SIGKILL mid-purge, or stopped with SIGTERM, and a second
 * process resuming the run. Slack is a FakeSlack served over HTTP on 127.0.0.1.
 */
let db: ScratchDb;
let slack: FakeSlack;
const apps: ChildApp[] = [];

const env = {
  CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
  CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000',
  CLEAR_TELEMETRY_STALE_AFTER: '2s',
  CLEAR_TELEMETRY_JANITOR_EVERY: '500ms',
};

beforeAll(async () => {
  db = await createScratchDb(inject('templateDb'));
  slack = await FakeSlack.serve();
});

afterEach(async () => {
  for (const app of apps.splice(0)) {
    if (app.process.child.exitCode === null) app.process.child.kill('SIGKILL');
    await app.process.done;
  }
});

afterAll(async () => {
  await slack?.close();
  await db?.drop();
});

beforeEach(async () => {
  slack.reset();
  await truncateWebhooks(db.client);
  await db.client.query('delete from clear_telemetry_request');
  await seedWebhooks(db.client, 20_000, 20_000);
});

async function launch(): Promise<ChildApp> {
  const app = await startChildApp(db.url, slack, env);
  apps.push(app);
  return app;
}

/** Previews on `app`, inserts rows the preview must never touch, approves; returns the request and those ids. */
async function approvedRun(app: ChildApp) {
  const request = await preview(db.client, slack, app.port, '--status PENDING --batch-size 1000');
  const late = await insertWebhooks(
    db.client,
    Array.from({ length: 25 }, () => 'PENDING'),
  );
  await click(app.port, ACTION.confirm, String(request.id), 'UAPPROVER', request.ts, 'COPS', slack.hooks);
  return { ...request, late };
}

async function resumeOn(app: ChildApp, id: number, ts: string) {
  await click(app.port, ACTION.resume, String(id), 'UAPPROVER', ts, 'COPS', slack.hooks);
  return waitForState(db.client, id, 'succeeded', 40_000);
}

describe('crash and resume', () => {
  it('after kill -9, another process declares the run interrupted, and Resume deletes exactly the previewed rows', async () => {
    const first = await launch();
    const { id, ts, late } = await approvedRun(first);
    await waitForDeleted(db.client, id, 3_000);
    first.process.child.kill('SIGKILL');
    await first.process.done;
    const atCrash = await ledgerRow(db.client, id);
    expect(atCrash.state).toBe('running');

    const second = await launch();
    const interrupted = await waitForState(db.client, id, 'interrupted', 15_000);
    expect(interrupted.error).toBe(
      'the process running it stopped (it crashed, was killed, or lost its database connection)',
    );
    // Every committed batch is in the ledger: the rows gone are exactly the rows counted.
    const { rows } = await db.client.query<{ n: string }>('select count(*) as n from assignments_learnpackwebhook');
    expect(20_025 - Number(rows[0]?.n)).toBe(interrupted.deleted_count);
    await eventually(() => expect(editsOf(slack, ts).at(-1)).toContain(ACTION.resume));

    const done = await resumeOn(second, id, ts);
    expect(done.deleted_count).toBe(20_000);
    expect(done.runner_id).not.toBe(atCrash.runner_id);
    expect(await remainingIds(db.client)).toEqual(late);
    await eventually(() =>
      expect(slack.thread(ts).at(-1)).toMatch(/^:white_check_mark: Deleted 20,000 webhooks with status PENDING/),
    );
    expect(slack.thread(ts)).toContainEqual(
      expect.stringMatching(/^:warning: Interrupted after deleting [\d,]+ of 20,000 webhooks/),
    );
    expect(slack.thread(ts)).toContainEqual(expect.stringMatching(/^:arrow_forward: Resumed after id [\d,]+/));
  });

  it("shows a killed run as not responding within seconds, with no Stop or Pause and the ledger's count, then interrupted", async () => {
    const slow = { ...env, CLEAR_TELEMETRY_STALE_AFTER: '20s' };
    const first = await startChildApp(db.url, slack, slow);
    const second = await startChildApp(db.url, slack, slow);
    apps.push(first, second);
    const { id, ts } = await approvedRun(first);
    await waitForDeleted(db.client, id, 3_000);
    first.process.child.kill('SIGKILL');
    await first.process.done;
    const killedAt = Date.now();

    const shown = await eventually(() => {
      const last = editsOf(slack, ts).at(-1) ?? '';
      expect(last).toContain('Clear telemetry: not responding');
      return last;
    }, 15_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(shown).not.toContain(ACTION.stop);
    expect(shown).not.toContain(ACTION.pause);
    const marked = await ledgerRow(db.client, id);
    expect(marked.state).toBe('running');
    // The count is the ledger's, not the last progress edit's.
    expect(shown).toContain(
      `stopped after ${marked.deleted_count.toLocaleString('en-US')} of 20,000 rows (as recorded)`,
    );
    await eventually(() =>
      expect(slack.thread(ts)).toContainEqual(
        expect.stringMatching(/^:warning: Request #\d+ is not responding since /),
      ),
    );

    // A Stop from a message shown before is answered with what is true now.
    await click(second.port, ACTION.stop, String(id), 'UREQUESTER', ts, 'COPS', slack.hooks);
    await eventually(() =>
      expect(slack.ephemeralTexts().at(-1)).toMatch(
        /^Request #\d+ is not responding since .*It will not go on by itself/,
      ),
    );
    const interrupted = await waitForState(db.client, id, 'interrupted', 30_000);
    expect(interrupted.deleted_count).toBe(marked.deleted_count);
    await eventually(() => expect(editsOf(slack, ts).at(-1)).toContain(ACTION.resume));
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)(
    'a process started as the killed one (same host, PID 1, as a container restarted in place) does not pass for it',
    async () => {
      const asPod = () => startChildApp(db.url, slack, env, { host: 'pod-a' }).then((app) => (apps.push(app), app));
      const first = await asPod();
      const { id, ts, late } = await approvedRun(first);
      const atCrash = await waitForDeleted(db.client, id, 3_000);
      expect(atCrash.runner_id).toMatch(/^pod-a:1:[0-9a-f]{8}$/);
      first.process.child.kill('SIGKILL');
      await first.process.done;

      const second = await asPod();
      // Declared interrupted, as any dead runner is: the new process never took the run for its own.
      const interrupted = await waitForState(db.client, id, 'interrupted', 15_000);
      expect(interrupted.runner_id).toBe(atCrash.runner_id);
      const done = await resumeOn(second, id, ts);
      expect(done.runner_id).toMatch(/^pod-a:1:[0-9a-f]{8}$/);
      expect(done.runner_id).not.toBe(atCrash.runner_id);
      expect(await remainingIds(db.client)).toEqual(late);
    },
    60_000,
  );

  it('with --limit, deletes exactly N rows, the oldest, across kill -9 and Resume', async () => {
    const first = await launch();
    const request = await preview(db.client, slack, first.port, '--status PENDING --batch-size 1000 --limit 12345');
    const { rows: ids } = await db.client.query<{ id: number }>(
      'select id from assignments_learnpackwebhook order by id',
    );
    await click(first.port, ACTION.confirm, String(request.id), 'UAPPROVER', request.ts, 'COPS', slack.hooks);
    await waitForDeleted(db.client, request.id, 3_000);
    first.process.child.kill('SIGKILL');
    await first.process.done;

    const second = await launch();
    await waitForState(db.client, request.id, 'interrupted', 15_000);
    const done = await resumeOn(second, request.id, request.ts);
    expect(done).toMatchObject({ deleted_count: 12_345, matching_count: 12_345 });
    expect(await remainingIds(db.client)).toEqual(ids.slice(12_345).map((row) => row.id));
  });

  it('on SIGTERM, stops after the current batch, marks the run interrupted and exits; Resume finishes it', async () => {
    const first = await launch();
    const { id, ts, late } = await approvedRun(first);
    await waitForDeleted(db.client, id, 3_000);
    first.process.child.kill('SIGTERM');
    const exit = await first.process.done;
    expect(exit.code).toBe(0);

    const interrupted = await ledgerRow(db.client, id);
    expect(interrupted).toMatchObject({ state: 'interrupted', error: 'the process running it was shut down' });
    expect(interrupted.deleted_count).toBeLessThan(20_000);

    const second = await launch();
    const done = await resumeOn(second, id, ts);
    expect(done.deleted_count).toBe(20_000);
    expect(await remainingIds(db.client)).toEqual(late);
  });

  it('never interrupts a run whose process is alive but frozen (SIGSTOP) past STALE_AFTER; it finishes when it goes on', async () => {
    const first = await launch();
    await launch();
    const { id, late } = await approvedRun(first);
    const running = await waitForDeleted(db.client, id, 3_000);
    first.process.child.kill('SIGSTOP');
    try {
      // Its heartbeat goes stale (2 s) while the other process's janitor looks every 500 ms.
      await eventually(async () => {
        const { rows } = await db.client.query<{ stale: boolean }>(
          `select heartbeat_at < now() - interval '5 seconds' as stale from clear_telemetry_request where id = $1`,
          [id],
        );
        expect(rows[0]?.stale).toBe(true);
      }, 20_000);
      expect(await ledgerRow(db.client, id)).toMatchObject({ state: 'running', runner_id: running.runner_id });
    } finally {
      first.process.child.kill('SIGCONT');
    }
    const done = await waitForState(db.client, id, 'succeeded', 40_000);
    expect(done).toMatchObject({ deleted_count: 20_000, runner_id: running.runner_id });
    expect(await remainingIds(db.client)).toEqual(late);
  });
});
