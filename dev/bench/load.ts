/**
 * `npm run bench:load`: does a running purge starve, stall or get declared dead while engineers hammer
 * the bot? Two replicas (in this process) on one database of LOAD_ROWS webhooks (default 1,000,000;
 * the newest 40% PENDING) run a PENDING purge in batches of 2,000 paced to about 30 s, once alone and
 * once while LOAD_CLIENTS (50) clients send signed slash commands and clicks for LOAD_SECONDS (20):
 * dry runs, previews, help, bad flags, clicks on a finished request. Slack is the sandbox's stand-in.
 *   BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { djangoSchemaSql, seedWebhooksSql } from '../postgres/django/fixtures.js';
import { withClient } from '../postgres/with-client.js';
import { readBody, sendJson, SlackStandIn } from '../../sandbox/slack-standin.js';
import { CHANNEL } from '../../sandbox/workspace.js';
import { initORM } from '../../src/db/init-orm.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { formatCount } from '../../src/domain/wording/format.js';
import { AppProcess } from '../../sandbox/app-process.js';
import { freePort } from '../free-port.js';

const ROWS = Number(process.env.LOAD_ROWS ?? 1_000_000);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 50);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-signing-secret';
const PENDING = Math.round(ROWS * 0.4);
// Paced so the purge lasts about 30 s, as in the measurement that found the starvation.
const PACE = Math.round(PENDING / 30);

const urlFor = (name: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
const admin = (sql: string) => withClient(ADMIN_URL, (client) => client.query(sql));

interface Phase {
  runSeconds: number;
  maxGapSeconds: number;
  maxHeartbeatAgeSeconds: number;
  acks: number[];
  census: { mean: number; max: number; scans: number };
}

/** The stand-in as Slack's Web API and response_urls for both replicas. */
async function slack(): Promise<{ url: string; close: () => void }> {
  let base = '';
  const standIn = new SlackStandIn({ publicUrl: () => base });
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    void readBody(req).then((body) =>
      sendJson(
        res,
        path.startsWith('/api/')
          ? standIn.api(path.slice(5), body, '')
          : path.startsWith('/hooks/')
            ? [200, { ok: true }]
            : [404, {}],
      ),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, close: () => server.close() };
}

/** A replica: `npm start`'s entry point as a process of its own, as in production. */
async function replica(databaseUrl: string, slackUrl: string): Promise<{ port: number; app: AppProcess }> {
  const port = await freePort();
  const app = new AppProcess(
    {
      DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${slackUrl}/api/`,
      PORT: String(port),
      OPS_PORT: String(await freePort()),
      CLEAR_TELEMETRY_APPROVERS: 'UBOB',
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: String(PACE),
      CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT: '0',
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
    },
    () => undefined,
  );
  await app.start();
  return { port, app };
}

/** A request as Slack sends it: form-encoded, v0-signed. Resolves with the ack time in ms. */
async function send(port: number, fields: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(fields).toString();
  const timestamp = Math.floor(Date.now() / 1_000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
    body,
  });
  await response.text();
  return performance.now() - started;
}

const command = (port: number, slackUrl: string, user: string, text: string) =>
  send(port, {
    team_id: 'T1',
    channel_id: CHANNEL.id,
    user_id: user,
    command: '/clear-telemetry',
    text,
    response_url: `${slackUrl}/hooks/x`,
    trigger_id: '1',
  });

const click = (port: number, slackUrl: string, user: string, actionId: string, id: number, ts: string) =>
  send(port, {
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: user },
      container: { type: 'message', message_ts: ts, channel_id: CHANNEL.id },
      channel: { id: CHANNEL.id },
      message: { ts },
      response_url: `${slackUrl}/hooks/x`,
      actions: [{ action_id: actionId, block_id: 'b', type: 'button', value: String(id), action_ts: '1' }],
    }),
  });

async function phase(database: string, withLoad: boolean): Promise<Phase> {
  const url = urlFor(database);
  const fake = await slack();
  const [a, b] = [await replica(url, fake.url), await replica(url, fake.url)];
  const watcher = new pg.Client({ connectionString: url });
  await watcher.connect();
  const acks: number[] = [];
  const censusSamples: number[] = [];
  let lastBatch = { at: performance.now(), batches: 0 };
  let maxGap = 0;
  let maxAge = 0;
  try {
    await command(a.port, fake.url, 'UALICE', '--status PENDING --batch-size 2000');
    const request = await poll(
      async () =>
        (
          await watcher.query<{ id: number; message_ts: string | null }>(
            'select id, message_ts from clear_telemetry_request order by id limit 1',
          )
        ).rows[0],
    );
    const ts =
      request.message_ts ??
      (await poll(
        async () =>
          (
            await watcher.query<{ message_ts: string | null }>(
              'select message_ts from clear_telemetry_request where id = $1',
              [request.id],
            )
          ).rows[0]?.message_ts,
      )) ??
      '';
    const started = performance.now();
    await click(b.port, fake.url, 'UBOB', 'clear_telemetry_confirm', request.id, ts);

    const load = withLoad ? hammer([a.port, b.port], fake.url, request.id, ts, acks) : Promise.resolve();
    for (;;) {
      const [row] = (
        await watcher.query<{ state: string; batches_done: number; age: number; census: number }>(
          `select state, batches_done, extract(epoch from now() - heartbeat_at)::float as age,
             (select count(*)::int from pg_stat_activity where query like '%pg_current_snapshot()%' and state = 'active'
                and wait_event_type is distinct from 'Lock' and pid <> pg_backend_pid()) as census
           from clear_telemetry_request where id = $1`,
          [request.id],
        )
      ).rows;
      const now = performance.now();
      if (row && row.batches_done > lastBatch.batches) lastBatch = { at: now, batches: row.batches_done };
      maxGap = Math.max(maxGap, now - lastBatch.at);
      if (row?.state === 'running') maxAge = Math.max(maxAge, row.age);
      if (withLoad) censusSamples.push(row?.census ?? 0);
      if (row && !['awaiting_approval', 'approved', 'running'].includes(row.state)) {
        if (row.state !== 'succeeded') throw new Error(`the run ended ${row.state}`);
        break;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    const runSeconds = (performance.now() - started) / 1_000;
    await load;
    const { rows } = await watcher.query<{ scans: number }>(
      `select seq_scan::int as scans from pg_stat_user_tables where relname = 'assignments_learnpackwebhook'`,
    );
    const censusScans = rows[0]?.scans ?? 0;
    return {
      runSeconds,
      maxGapSeconds: maxGap / 1_000,
      maxHeartbeatAgeSeconds: maxAge,
      acks,
      census: {
        mean: censusSamples.reduce((s, n) => s + n, 0) / Math.max(1, censusSamples.length),
        max: Math.max(0, ...censusSamples),
        scans: censusScans,
      },
    };
  } finally {
    await watcher.end();
    await Promise.all([a.app.stop(), b.app.stop()]);
    fake.close();
  }
}

/** CLIENTS loops for SECONDS, each sending about one request a second (as people clicking would), to alternating replicas. */
async function hammer(ports: number[], slackUrl: string, id: number, ts: string, acks: number[]): Promise<void> {
  const deadline = performance.now() + SECONDS * 1_000;
  const kinds = [
    (port: number, user: string) => command(port, slackUrl, user, '--status ERROR --dry-run'),
    (port: number, user: string) => command(port, slackUrl, user, '--status DONE'),
    (port: number, user: string) => command(port, slackUrl, user, 'help'),
    (port: number, user: string) => command(port, slackUrl, user, '--staus ERROR'),
    (port: number, user: string) => click(port, slackUrl, user, 'clear_telemetry_confirm', id, ts),
  ];
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const kind = kinds[(client + i) % kinds.length];
        const sent = performance.now();
        if (kind) acks.push(await kind(ports[i % ports.length] ?? 0, `ULOAD${client}`));
        await new Promise((done) => setTimeout(done, Math.max(0, 1_060 - (performance.now() - sent))));
      }
    }),
  );
}

async function poll<T>(read: () => Promise<T | null | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error('timed out');
}

const quantile = (values: number[], q: number) =>
  [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * q))] ?? 0;

const base = `ct_load_${Date.now().toString(36)}`;
console.log(
  `Seeding ${formatCount(ROWS)} webhooks (${formatCount(PENDING)} PENDING); the purge is paced to ${formatCount(PACE)} rows/s.`,
);
await admin(`create database "${base}"`);
try {
  await withClient(urlFor(base), async (client) => {
    await client.query(djangoSchemaSql());
    await client.query(seedWebhooksSql(ROWS, PENDING));
  });
  const orm = await initORM(urlFor(base));
  await applyMigrations(orm, urlFor(base));
  await orm.close(true);
  const results: Record<string, Phase> = {};
  for (const [name, withLoad] of [
    ['without load', false],
    ['under load', true],
  ] as const) {
    const copy = `${base}_${withLoad ? 'load' : 'quiet'}`;
    await admin(`create database "${copy}" template "${base}"`);
    try {
      console.log(`Running ${name}…`);
      results[name] = await phase(copy, withLoad);
    } finally {
      await admin(`drop database if exists "${copy}" with (force)`);
    }
  }
  const quiet = results['without load'];
  const loaded = results['under load'];
  if (!quiet || !loaded) throw new Error('a phase did not run');
  const fmt = (n: number, unit: string) => `${n.toFixed(1)} ${unit}`;
  console.log(
    `\n${loaded.acks.length} requests in ${SECONDS} s from ${CLIENTS} clients (${(loaded.acks.length / SECONDS).toFixed(0)} a second).\n`,
  );
  console.log('| | without load | under load | goal |');
  console.log('|---|---|---|---|');
  console.log(
    `| run time | ${fmt(quiet.runSeconds, 's')} | ${fmt(loaded.runSeconds, 's')} (×${(loaded.runSeconds / quiet.runSeconds).toFixed(2)}) | ≤ 1.5× |`,
  );
  console.log(
    `| largest gap between two batches | ${fmt(quiet.maxGapSeconds, 's')} | ${fmt(loaded.maxGapSeconds, 's')} | ≤ 2 s |`,
  );
  console.log(
    `| age of the run's heartbeat, seen from outside | ${fmt(quiet.maxHeartbeatAgeSeconds, 's')} | ${fmt(loaded.maxHeartbeatAgeSeconds, 's')} | ≤ 5 s |`,
  );
  console.log(
    `| ack p50 / p99 / max | | ${quantile(loaded.acks, 0.5).toFixed(0)} / ${quantile(loaded.acks, 0.99).toFixed(0)} / ${Math.max(...loaded.acks).toFixed(0)} ms | p99 < 300 ms |`,
  );
  console.log(
    `| census scans in flight | | mean ${loaded.census.mean.toFixed(2)}, max ${loaded.census.max} | ≤ 1 per replica |`,
  );
  console.log(`| full-table scans (seq_scan) | ${quiet.census.scans} | ${loaded.census.scans} | |`);
} finally {
  await admin(`drop database if exists "${base}" with (force)`);
}
