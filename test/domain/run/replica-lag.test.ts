import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareDatabase } from '../../../dev/postgres/prepare-database.js';
import { withClient } from '../../../dev/postgres/with-client.js';
import { start } from '../../helpers/child-process.js';
import { eventually } from '../../helpers/fake-slack.js';
import { serverBinaries, startStreamingPair, type StreamingPair } from '../../helpers/replica.js';
import { seedWebhooks } from '../../helpers/scratch-db.js';
import { truncateAll } from '../../helpers/webhooks.js';

/**
 * The replica-lag hold against a real streaming replica: a scratch primary and a replica made with
 * pg_basebackup -R, on loopback ports of their own. Pausing the replica's replay makes it lag; the
 * run must hold, then go on and finish exactly once replay resumes.
 */
const bin = serverBinaries();
if (!bin) {
  if (process.env.CI)
    throw new Error(
      'CI must run the replica-lag test, but no PostgreSQL server binaries were found under /usr/lib/postgresql.',
    );
  console.log(
    'Skipping the replica-lag test: no PostgreSQL server binaries under /usr/lib/postgresql (install postgresql to run it).',
  );
}

let pair: StreamingPair;
let url: string;

beforeAll(async () => {
  if (!bin) return;
  pair = await startStreamingPair(bin);
  await withClient(pair.primaryUrl('postgres'), (client) => client.query('create database django'));
  url = pair.primaryUrl('django');
  await prepareDatabase(url);
}, 120_000);

beforeEach(async () => {
  if (bin) await withClient(url, truncateAll);
});

afterAll(async () => {
  await pair?.stop();
});

const count = (target: string) =>
  withClient(target, async (client) =>
    Number((await client.query<{ n: string }>('select count(*) as n from assignments_learnpackwebhook')).rows[0]?.n),
  );
const ledger = () =>
  withClient(
    url,
    async (client) =>
      (
        await client.query<{ deleted_count: number; heartbeat_at: Date; state: string }>(
          'select deleted_count, heartbeat_at, state from clear_telemetry_request',
        )
      ).rows[0],
  );

describe.skipIf(!bin)('the replica-lag hold', () => {
  it('holds while a streaming replica is behind, says which and how far, then finishes exactly when it catches up', async () => {
    await withClient(url, (client) => seedWebhooks(client, 20_000, 20_000));
    const replicaDjango = pair.replicaUrl.replace(/\/postgres$/, '/django');
    await eventually(async () => expect(await count(replicaDjango)).toBe(20_000));
    await withClient(pair.replicaUrl, (client) => client.query('select pg_wal_replay_pause()'));

    const run = start(
      process.execPath,
      ['bin/clear-telemetry.js', '--status', 'PENDING', '--batch-size', '500', '--force'],
      {
        DATABASE_URL: url,
        CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
        CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
        CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '5000',
        CLEAR_TELEMETRY_MAX_REPLICA_LAG: '1s',
        CLEAR_TELEMETRY_MAX_REPLICA_LAG_BYTES: String(256 * 1024),
      },
    );
    try {
      // replay_lag grows while replay is paused; the bytes left to replay catch a replica whose lag is stale.
      const behind = String.raw`([\d.]+ s behind \(limit 1 s\)|[\d.]+ (kB|MB) of WAL behind \(limit 256 kB\))`;
      await run.waitFor(
        new RegExp(
          String.raw`Holding: replica \`${pair.replicaName}\` is ${behind}, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n`,
        ),
        30_000,
      );
      // Held, yet alive: two heartbeats go by without a row deleted.
      const held = await ledger();
      for (let beat = 0; beat < 2; beat++) {
        const before = (await ledger())?.heartbeat_at.getTime() ?? 0;
        await eventually(async () => expect((await ledger())?.heartbeat_at.getTime()).toBeGreaterThan(before));
      }
      expect(await ledger()).toMatchObject({ state: 'running', deleted_count: held?.deleted_count });
      expect(held?.deleted_count).toBeLessThan(20_000);

      await withClient(pair.replicaUrl, (client) => client.query('select pg_wal_replay_resume()'));
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Successfully deleted 20,000 LearnPackWebhook records with status 'PENDING'/);
      expect(await ledger()).toMatchObject({ state: 'succeeded', deleted_count: 20_000 });
      expect(await count(url)).toBe(0);
      await eventually(async () => expect(await count(replicaDjango)).toBe(0));
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await withClient(pair.replicaUrl, (client) => client.query('select pg_wal_replay_resume()')).catch(
        () => undefined,
      );
    }
  }, 120_000);

  it('reports a replica whose lag this database user cannot see, in the preview', async () => {
    await withClient(url, async (client) => {
      await client.query(`drop role if exists ct_plain; create role ct_plain login`);
      await client.query('grant select, delete on assignments_learnpackwebhook to ct_plain');
    });
    const plain = url.replace('postgres@', 'ct_plain@');
    await withClient(url, (client) => seedWebhooks(client, 10, 10));
    const run = start(process.execPath, ['bin/clear-telemetry.js', '--status', 'PENDING', '--dry-run'], {
      DATABASE_URL: plain,
      CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
    });
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '  Replica lag: not visible to this database user (grant it pg_monitor), so the run cannot wait for lagging replicas\n',
    );

    const privileged = await start(process.execPath, ['bin/clear-telemetry.js', '--status', 'PENDING', '--dry-run'], {
      DATABASE_URL: url,
      CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
    }).done;
    expect(privileged.stdout).not.toContain('Replica lag');
  }, 60_000);
});
