import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { clearTelemetryChores } from '../../commands/clear-telemetry/index.js';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import type { RunningApp } from '../../src/start-app.js';
import { ConfigError } from '../../src/errors.js';
import { click, eventually, FakeSlack, slashCommand } from '../helpers/fake-slack.js';
import { MISTAKEN_POLICY } from '../helpers/policy-files.js';
import { keptLog } from '../helpers/log-lines.js';
import { ledgerRow, waitForState } from '../helpers/requests.js';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db.js';
import { settle, startTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks, truncateAll } from '../helpers/webhooks.js';

/**
 * Retention policies on real PostgreSQL, with replicas in this process and a clock the test sets.
 * Each replica's janitor runs once at start; the test then runs the chore on every replica itself,
 * as the janitor would every few seconds, so "every replica tried" is a fact and not a wait.
 */
let db: ScratchDb;
let slack: FakeSlack;
let dir: string;
let replicas: RunningApp[] = [];
let offsetMs = 0;
const kept = keptLog();

/** How Slack shows a date to each reader: `<!date^…|fallback>`. */
const slackDate = (iso: string) =>
  `<!date^${Date.parse(iso) / 1_000}^{date_short_pretty} at {time_secs}|${iso.replace('T', ' ').replace('.000Z', ' UTC')}>`;

const setClock = (iso: string) => {
  offsetMs = Date.parse(iso) - Date.now();
};

beforeAll(async () => {
  db = await createScratchDb(inject('templateDb'));
  dir = await mkdtemp(join(tmpdir(), 'clear-telemetry-policies-'));
});

beforeEach(async () => {
  slack = new FakeSlack();
  kept.lines.length = 0;
  await truncateAll(db.client);
});

afterEach(async () => {
  await stopAll();
});

afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function stopAll(): Promise<void> {
  await Promise.all(replicas.map((app) => settle(app)));
  await Promise.all(replicas.map((app) => app.stop()));
  replicas = [];
}

let files = 0;
async function policyFile(yaml: string): Promise<string> {
  const path = join(dir, `policies-${++files}.yaml`);
  await writeFile(path, yaml);
  return path;
}

async function startReplicas(count: number, file: string, env: Record<string, string> = {}): Promise<RunningApp[]> {
  const started = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startTestApp(db.url, {
        env: { CLEAR_TELEMETRY_POLICIES: file, ...env },
        runnerId: `replica-${replicas.length + index}`,
        clockOffsetMs: () => offsetMs,
        log: kept.log,
      }),
    ),
  );
  replicas.push(...started);
  return started;
}

/** Every replica runs its janitor's policy chore at once, `rounds` times. */
async function everyReplicaTries(apps: RunningApp[], rounds = 3): Promise<void> {
  for (let round = 0; round < rounds; round++) await Promise.all(apps.map((app) => clearTelemetryChores(app.deps)));
}

interface SlotRow {
  policy: string;
  slot_at: Date;
  outcome: string;
  request_id: number | null;
}
async function slots(): Promise<SlotRow[]> {
  const { rows } = await db.client.query<SlotRow>(
    'select policy, slot_at, outcome, request_id from clear_telemetry_policy_slot order by slot_at',
  );
  return rows;
}
async function requests(): Promise<{ id: number; state: string; policy: string; requester_id: string }[]> {
  const { rows } = await db.client.query<{ id: number; state: string; policy: string; requester_id: string }>(
    'select id, state, policy, requester_id from clear_telemetry_request order by id',
  );
  return rows;
}

const posts = (channel = 'COPS') =>
  slack
    .of('chat.postMessage')
    .filter((call) => call.body.channel === channel && !call.body.thread_ts)
    .map((call) => `${String(call.body.text)} ${JSON.stringify(call.body.blocks)}`);

const HOURLY_REQUIRED = `
policies:
  - name: hourly-error
    schedule: "0 * * * *"
    flags: --status ERROR
    channel: COPS
    approval: required
`;

describe('retention policies', () => {
  it('makes one request per slot over three replicas, and a person approves it like any request', async () => {
    await insertWebhooks(db.client, ['ERROR', 'ERROR', 'ERROR', 'DONE']);
    setClock('2027-03-01T10:05:00Z');
    const apps = await startReplicas(3, await policyFile(HOURLY_REQUIRED));
    await everyReplicaTries(apps);
    // New to the app: its first slot is the next one, not the one that passed before it was deployed.
    expect(await slots()).toMatchObject([{ policy: 'hourly-error', outcome: 'first', request_id: null }]);
    expect(await requests()).toEqual([]);

    setClock('2027-03-01T11:00:02Z');
    await everyReplicaTries(apps, 5);

    expect(await requests()).toEqual([
      { id: 1, state: 'awaiting_approval', policy: 'hourly-error', requester_id: 'policy:hourly-error' },
    ]);
    expect((await slots()).map((slot) => [slot.slot_at.toISOString(), slot.outcome, slot.request_id])).toEqual([
      ['2027-03-01T10:00:00.000Z', 'first', null],
      ['2027-03-01T11:00:00.000Z', 'requested', 1],
    ]);
    await eventually(() => expect(posts()).toHaveLength(1));
    const [preview] = posts();
    expect(preview).toContain('3 webhooks with status ERROR would be deleted: approval needed (request #1).');
    expect(preview).toContain(
      `Scheduled by policy \`hourly-error\` (\`0 * * * *\`, UTC) for its slot of ${slackDate('2027-03-01T11:00:00.000Z')}: \`--status ERROR\``,
    );
    // It waits for an approver until its next slot.
    expect(preview).toContain(`expires ${slackDate('2027-03-01T12:00:00.000Z')}`);
    expect(preview).toContain('policy `hourly-error` asks to delete');
    expect(preview).toContain(ACTION.confirm);
    expect(kept.events('requested')).toEqual([
      expect.objectContaining({ requestId: 1, source: 'policy', policy: 'hourly-error', matching: 3, status: 'ERROR' }),
    ]);
    // One replica settled the slot: across them, the metric counts it once.
    const counted = await Promise.all(
      apps.map(async (app) => {
        const metrics = await (await fetch(`http://127.0.0.1:${app.opsPort}/metrics`)).text();
        return Number(
          /clear_telemetry_policy_runs_total\{policy="hourly-error",outcome="requested"\} (\d+)/.exec(metrics)?.[1],
        );
      }),
    );
    expect(counted.reduce((sum, count) => sum + count, 0)).toBe(1);

    // status: the policy's next run and its last outcome.
    await slashCommand(apps[0]?.port ?? 0, 'status', 'UREQUESTER', 'COPS', slack.hooks);
    await eventually(() =>
      expect(slack.ephemeralTexts().at(-1)).toContain(
        `*Policy hourly-error:* next run ${slackDate('2027-03-01T12:00:00.000Z')} (0 * * * *, UTC; approval required); last slot ${slackDate('2027-03-01T11:00:00.000Z')}: request #1 posted for approval (now awaiting approval)`,
      ),
    );

    const { rows } = await db.client.query<{ message_ts: string }>('select message_ts from clear_telemetry_request');
    await click(apps[1]?.port ?? 0, ACTION.confirm, '1', 'UAPPROVER', rows[0]?.message_ts ?? '');
    expect(await waitForState(db.client, 1, 'succeeded')).toMatchObject({ approver_id: 'UAPPROVER', deleted_count: 3 });
    expect(await countByStatus(db.client)).toEqual({ DONE: 1 });
    // The status line stays true once the request has moved on.
    await slashCommand(apps[0]?.port ?? 0, 'status', 'UREQUESTER', 'COPS', slack.hooks);
    await eventually(() =>
      expect(slack.ephemeralTexts().at(-1)).toContain(': request #1 posted for approval (now succeeded)'),
    );
  });

  it('runs an auto policy within its max_rows at once, approved by the policy; over it, it waits for a person', async () => {
    const file = await policyFile(`
policies:
  - name: nightly-done
    schedule: "0 3 * * *"
    timezone: Europe/Madrid
    flags: --status DONE
    channel: COPS
    approval: auto
    max_rows: 5
`);
    await insertWebhooks(db.client, ['DONE', 'DONE', 'DONE', 'DONE', 'ERROR']);
    setClock('2027-03-01T12:00:00Z');
    const [app] = await startReplicas(1, file);
    await everyReplicaTries([app as RunningApp]);
    // 03:00 in Madrid is 02:00 UTC in March.
    setClock('2027-03-02T02:00:01Z');
    await everyReplicaTries([app as RunningApp]);

    expect(await waitForState(db.client, 1, 'succeeded')).toMatchObject({
      approver_id: 'policy:nightly-done',
      requester_id: 'policy:nightly-done',
      deleted_count: 4,
    });
    expect(await countByStatus(db.client)).toEqual({ ERROR: 1 });
    expect((await slots()).at(-1)).toMatchObject({ outcome: 'auto-approved', request_id: 1 });
    await settle(app as RunningApp);
    const ts = (await ledgerRow(db.client, 1)).message_ts ?? '';
    expect(posts()[0]).toContain('Clear telemetry: scheduled');
    expect(posts()[0]).not.toContain(ACTION.confirm);
    expect(slack.thread(ts)[0]).toBe(
      ':white_check_mark: Approved by policy `nightly-done` itself: 4 rows is within its max_rows of 5, and within every gate.',
    );
    expect(kept.events('auto-approved')).toEqual([
      expect.objectContaining({
        requestId: 1,
        policy: 'nightly-done',
        matching: 4,
        maxRows: 5,
        msg: 'request approved by its policy',
      }),
    ]);

    // The next night the plan is over max_rows: the policy does not approve it.
    await insertWebhooks(db.client, ['DONE', 'DONE', 'DONE', 'DONE', 'DONE', 'DONE']);
    setClock('2027-03-03T02:00:01Z');
    await everyReplicaTries([app as RunningApp]);
    expect((await ledgerRow(db.client, 2)).state).toBe('awaiting_approval');
    await eventually(() => expect(posts()).toHaveLength(2));
    expect(posts()[1]).toContain('policy `nightly-done` approves up to 5 rows itself, and this plan has 6');
    expect(posts()[1]).toContain(ACTION.confirm);
    expect(await countByStatus(db.client)).toEqual({ DONE: 6, ERROR: 1 });
  });

  it('adds no request while its previous one is open, and says so once', async () => {
    await insertWebhooks(db.client, ['ERROR']);
    setClock('2027-03-01T10:05:00Z');
    // An approval window longer than the schedule's period: the request is still open at the next slots.
    const apps = await startReplicas(2, await policyFile(HOURLY_REQUIRED), { CLEAR_TELEMETRY_APPROVAL_TTL: '4h' });
    await everyReplicaTries(apps);
    for (const hour of ['11', '12', '13']) {
      setClock(`2027-03-01T${hour}:00:05Z`);
      await everyReplicaTries(apps);
    }
    expect(await requests()).toHaveLength(1);
    expect((await slots()).map((slot) => [slot.outcome, slot.request_id])).toEqual([
      ['first', null],
      ['requested', 1],
      ['blocked', 1],
      ['blocked', 1],
    ]);
    await eventually(() => expect(posts()).toHaveLength(2));
    expect(posts()[1]).toContain(
      `Policy \`hourly-error\` did not run its slot of ${slackDate('2027-03-01T12:00:00.000Z')}: its request #1 from an earlier slot is still awaiting approval. It adds no other request until that one is done, and says this once.`,
    );
    expect(kept.events('skipped').map((line) => [line.why, line.requestId])).toEqual([
      ['open', 1],
      ['open', 1],
    ]);
  });

  it('fires a slot missed while no replica ran once at start within the catch-up window, and reports it skipped past it', async () => {
    await insertWebhooks(db.client, ['ERROR']);
    const file = await policyFile(HOURLY_REQUIRED.replace('0 * * * *', '0 */6 * * *'));
    setClock('2027-03-01T00:05:00Z');
    await everyReplicaTries(await startReplicas(2, file));
    setClock('2027-03-01T06:00:05Z');
    await everyReplicaTries(replicas);
    await stopAll();
    await db.client.query(`update clear_telemetry_request set state = 'cancelled'`);

    // Every replica was down at 12:00; they come back at 12:40, within the hour.
    setClock('2027-03-01T12:40:00Z');
    await everyReplicaTries(await startReplicas(2, file));
    await stopAll();
    setClock('2027-03-01T12:50:00Z');
    await everyReplicaTries(await startReplicas(2, file));
    expect((await requests()).map((request) => request.id)).toEqual([1, 2]);
    await stopAll();
    await db.client.query(`update clear_telemetry_request set state = 'cancelled'`);

    // Down at 18:00, back at 19:30: past the window, the slot is skipped and said so.
    slack = new FakeSlack();
    setClock('2027-03-01T19:30:00Z');
    await everyReplicaTries(await startReplicas(2, file));
    expect(await requests()).toHaveLength(2);
    expect((await slots()).at(-1)).toMatchObject({ outcome: 'skipped', request_id: null });
    await eventually(() => expect(posts()).toHaveLength(1));
    expect(posts()[0]).toContain(
      `Policy \`hourly-error\` skipped its slot of ${slackDate('2027-03-01T18:00:00.000Z')}: no replica of the bot was running then, and it is past the catch-up window of 1 h. Its next slot is ${slackDate('2027-03-02T00:00:00.000Z')}.`,
    );
    expect(kept.events('skipped').at(-1)).toMatchObject({ policy: 'hourly-error', why: 'late', event: 'skipped' });
  });

  it('refuses to start with a policy file that has mistakes, one line per mistake', async () => {
    const file = await policyFile(`policies:${MISTAKEN_POLICY}`);
    const start = startTestApp(db.url, { env: { CLEAR_TELEMETRY_POLICIES: file } });
    const error = await start.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `${file}: policy 'Nightly Done': name must be a short name of lower-case letters, digits and hyphens, e.g. nightly-done`,
      `${file}: policy 'Nightly Done': channel must be a channel ID (C…, G…), where the policy posts`,
      `${file}: policy 'Nightly Done': schedule is wrong: '0 3 * *' is not a cron expression (invalid configuration format ('0 3 * *'), exactly five, six, or seven space separated parts are required.)`,
      `${file}: policy 'Nightly Done': max_rows is missing: approval auto needs the most rows the policy may approve itself`,
      `${file}: policy 'Nightly Done': flags cannot take --force: the approval says how the purge is approved`,
    ]);
    expect(await requests()).toEqual([]);
  });
});
