import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../dev/free-port.js';
import { serveStandIn, type StandInServer } from '../../sandbox/standin-server.js';
import { ACCESS_ENV } from '../../sandbox/workspace.js';
import { eventually } from '../helpers/fake-slack.js';
import { ledgerRow, waitForDeleted, waitForState } from '../helpers/requests.js';
import { createScratchDb, seedWebhooks, type ScratchDb } from '../helpers/scratch-db.js';
import { countByStatus, insertWebhooks, remainingIds, truncateAll } from '../helpers/webhooks.js';

/**
 * The image as a platform team runs it (TEST_IMAGE, built by .ci/image): in podman, as its numeric
 * user, with a read-only root filesystem and a tmpfs /tmp, on the host's network, against a scratch
 * database and the sandbox's Slack stand-in in Socket Mode. Skipped when no image is named.
 */
const image = process.env.TEST_IMAGE;
const run = promisify(execFile);
const podman = (...args: string[]) => run('podman', args, { env: process.env, maxBuffer: 16 * 1024 * 1024 });

let db: ScratchDb;
let slack: StandInServer;
const containers: string[] = [];

beforeAll(async () => {
  if (!image) return;
  db = await createScratchDb(inject('templateDb'));
  slack = await serveStandIn({ port: 0 });
});

beforeEach(async () => {
  if (!image) return;
  await truncateAll(db.client);
});

afterEach(async () => {
  for (const name of containers.splice(0)) await podman('rm', '--force', '--time', '0', name).catch(() => undefined);
});

afterAll(async () => {
  await slack?.close();
  await db?.drop();
});

/** The container's environment: the stand-in, the scratch database, the sandbox's people. */
async function environment(extra: Record<string, string>): Promise<Record<string, string>> {
  return {
    DATABASE_URL: db.url,
    SLACK_BOT_TOKEN: 'xoxb-image',
    SLACK_APP_TOKEN: 'xapp-image',
    SLACK_API_URL: `${slack.url}/api/`,
    OPS_PORT: String(await freePort()),
    CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
    CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
    CLEAR_TELEMETRY_JANITOR_EVERY: '500ms',
    CLEAR_TELEMETRY_STALE_AFTER: '3s',
    ...ACCESS_ENV,
    ...extra,
  };
}

/** Starts the bot's container (detached) and waits until it is ready; returns its name. */
async function startBot(env: Record<string, string>, name = `ct-bot-${Math.random().toString(36).slice(2, 8)}`) {
  const flags = Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  await podman(
    'run',
    '--detach',
    '--name',
    name,
    '--network',
    'host',
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--cap-drop',
    'ALL',
    ...flags,
    image ?? '',
  );
  containers.push(name);
  await ready(env);
  return name;
}

async function ready(env: Record<string, string>): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`http://127.0.0.1:${env.OPS_PORT}/readyz`);
    expect(response.status).toBe(200);
  }, 60_000);
  await eventually(() => expect(slack.standIn.connected).toBe(true), 30_000);
}

/** Asks in the stand-in's channel and waits for the request's preview; returns its id and message. */
async function ask(text: string): Promise<{ id: number; ts: string }> {
  await slack.standIn.command('UALICE', text);
  return eventually(async () => {
    const { rows } = await db.client.query<{ id: number; message_ts: string | null }>(
      'select id, message_ts from clear_telemetry_request order by id desc limit 1',
    );
    expect(rows[0]?.message_ts).toBeTruthy();
    return { id: rows[0]?.id ?? 0, ts: rows[0]?.message_ts ?? '' };
  }, 30_000);
}

async function press(user: string, ts: string, actionId: string, id: number): Promise<void> {
  await slack.standIn.click(user, ts, { action_id: actionId, block_id: 'b', value: String(id), text: actionId });
}

/** `podman stop` (SIGTERM to PID 1, which is node): how long it took, and node's exit code. */
async function stopBot(name: string): Promise<{ ms: number; code: number }> {
  const started = performance.now();
  await podman('stop', '--time', '30', name);
  const ms = performance.now() - started;
  const { stdout } = await podman('inspect', '--format', '{{.State.ExitCode}}', name);
  return { ms, code: Number(stdout.trim()) };
}

describe.skipIf(!image)('the image', () => {
  it('runs as its numeric user, and the terminal command is on PATH', async () => {
    const { stdout: user } = await podman('image', 'inspect', '--format', '{{.Config.User}}', image ?? '');
    expect(user.trim()).toBe('1000:1000');
    await insertWebhooks(db.client, ['ERROR', 'ERROR', 'DONE']);
    const { stdout } = await podman(
      'run',
      '--rm',
      '--network',
      'host',
      '--read-only',
      '--env',
      `DATABASE_URL=${db.url}`,
      image ?? '',
      'clear-telemetry',
      '--status',
      'ERROR',
      '--dry-run',
    );
    expect(stdout).toContain("Found 2 LearnPackWebhook records with status 'ERROR'");
    expect(stdout).toContain('DRY RUN MODE - No records will be deleted');
    const { stdout: id } = await podman('run', '--rm', image ?? '', 'id', '-u');
    expect(id.trim()).toBe('1000');
  });

  it('completes a purge asked for in Slack and approved by a second person, and passes its health check', async () => {
    await seedWebhooks(db.client, 20_000, 20_000);
    const env = await environment({});
    const name = await startBot(env);
    const { id, ts } = await ask('--status PENDING --batch-size 5000');
    await press('UBOB', ts, 'clear_telemetry_confirm', id);
    expect((await waitForState(db.client, id, 'succeeded', 60_000)).deleted_count).toBe(20_000);
    expect(await countByStatus(db.client)).toEqual({});
    await podman('healthcheck', 'run', name);
  });

  it.each([
    ['under a rows-per-second ceiling', { CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000' }],
    ['without one (a pause after each batch)', { CLEAR_TELEMETRY_BATCH_PAUSE_MS: '300' }],
  ])(
    'on podman stop mid-run %s, node exits 0 within 10 s; the restarted container resumes exactly the previewed rows',
    async (_, pace) => {
      await seedWebhooks(db.client, 40_000, 40_000);
      const env = await environment(pace);
      const name = await startBot(env);
      const { id, ts } = await ask('--status PENDING --batch-size 1000');
      const late = await insertWebhooks(db.client, ['PENDING', 'PENDING']);
      await press('UBOB', ts, 'clear_telemetry_confirm', id);
      await waitForDeleted(db.client, id, 3_000, 60_000);

      const stopped = await stopBot(name);
      expect(stopped.code).toBe(0);
      expect(stopped.ms).toBeLessThan(10_000);
      const interrupted = await ledgerRow(db.client, id);
      expect(interrupted).toMatchObject({ state: 'interrupted', error: 'the process running it was shut down' });

      await podman('start', name);
      await ready(env);
      await press('UCAROL', ts, 'clear_telemetry_resume', id);
      expect((await waitForState(db.client, id, 'succeeded', 60_000)).deleted_count).toBe(40_000);
      expect(await remainingIds(db.client)).toEqual(late);
    },
    120_000,
  );

  it('killed mid-run (SIGKILL) and started again, offers Resume, which deletes exactly the previewed rows', async () => {
    await seedWebhooks(db.client, 40_000, 40_000);
    const env = await environment({ CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000' });
    const name = await startBot(env);
    const { id, ts } = await ask('--status PENDING --batch-size 1000');
    await press('UBOB', ts, 'clear_telemetry_confirm', id);
    const atKill = await waitForDeleted(db.client, id, 3_000, 60_000);
    await podman('kill', '--signal', 'KILL', name);

    await podman('start', name);
    await ready(env);
    const interrupted = await waitForState(db.client, id, 'interrupted', 30_000);
    // A new process with the same host and PID 1: it did not pass for the dead one.
    expect(interrupted.runner_id).toBe(atKill.runner_id);
    await press('UCAROL', ts, 'clear_telemetry_resume', id);
    const done = await waitForState(db.client, id, 'succeeded', 60_000);
    expect(done.deleted_count).toBe(40_000);
    expect(done.runner_id).not.toBe(atKill.runner_id);
    expect(await countByStatus(db.client)).toEqual({});
  }, 120_000);
});
