/**
 * Undo: an archived purge keeps every row it deletes in clear_telemetry_archive, in the delete's own
 * statement; a restore puts them back with their ids and every column; the janitor expires them.
 * Real PostgreSQL, the real bin for the terminal paths.
 */
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqlArchiveStore } from '../../src/db/archive-store.js';
import { MikroRequestLedger } from '../../src/db/request-ledger.js';
import { PgRunLiveness } from '../../src/db/run-liveness.js';
import { PgHealthProbe } from '../../src/db/health-probe.js';
import { expireArchives } from '../../src/domain/undo/archive-expiry.js';
import { RequestRunner } from '../../src/domain/run/request-runner.js';
import { loadPurgeConfig } from '../../src/config.js';
import { createLog } from '../../src/log.js';
import { runBin, start } from '../helpers/child-process.js';
import { RecordingReporter } from '../helpers/recording-reporter.js';
import { seedWebhooks } from '../helpers/scratch-db.js';
import { useScratchOrm } from '../helpers/scratch-orm.js';
import { insertWebhooks, remainingIds, truncateAll } from '../helpers/webhooks.js';
import { mikroSql } from '../../src/db/mikro-sql.js';

const scratch = useScratchOrm();
let env: Record<string, string>;

beforeAll(() => {
  env = { DATABASE_URL: scratch.db.url, CLEAR_TELEMETRY_PENDING_MIN_AGE: '0' };
});

beforeEach(async () => {
  await truncateAll(scratch.db.client);
  await scratch.db.client.query('delete from assignments_assignmenttelemetry');
  await scratch.db.client.query('delete from auth_user');
});

/** Every column of every row, as PostgreSQL prints it: what "identical" means for a round trip. */
async function tableRows(): Promise<string[]> {
  const { rows } = await scratch.db.client.query<{ row: string }>(
    'select row_to_json(t)::text as row from assignments_learnpackwebhook t order by id',
  );
  return rows.map((row) => row.row);
}

/** Rows with every kind of column value: JSON payloads, foreign keys, nulls, timestamps, bigints. */
async function insertVariedRows(): Promise<void> {
  const { client } = scratch.db;
  const { rows: users } = await client.query<{ id: number }>(
    `insert into auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
     values ('x', false, 'ana', 'Ana', 'L', 'ana@example.com', false, true, now()) returning id`,
  );
  const { rows: telemetry } = await client.query<{ id: number }>(
    `insert into assignments_assignmenttelemetry (asset_slug, telemetry, created_at, updated_at, user_id) values ('intro', '{"steps": [1, 2]}', now(), now(), $1) returning id`,
    [users[0]?.id],
  );
  await client.query(
    `insert into assignments_learnpackwebhook (is_streaming, event, payload, status, status_text, created_at, updated_at, student_id, telemetry_id, asset_id, learnpack_package_id, package_slug)
     select n % 2 = 0, 'batch', case when n % 3 = 0 then null else jsonb_build_object('n', n, 'nested', jsonb_build_object('ok', true), 'text', 'it''s "quoted" ✓') end,
            case when n % 4 = 0 then 'DONE' else 'ERROR' end, case when n % 5 = 0 then null else 'failed: ' || n end,
            '2026-11-20T10:00:00.123456Z'::timestamptz + n * interval '1 minute', '2026-11-21T10:00:00Z'::timestamptz,
            case when n % 2 = 0 then $1::int end, case when n % 3 = 0 then $2::int end, case when n % 7 = 0 then 9007199254740991 end, n * 1000, case when n % 2 = 1 then 'pkg-' || n end
     from generate_series(1, 200) as n`,
    [users[0]?.id, telemetry[0]?.id],
  );
}

describe('an archived purge and its restore', () => {
  it('puts back every row, column by column, with its original id, and leaves the sequence where it was', async () => {
    await insertVariedRows();
    const before = await tableRows();
    const { rows: seqBefore } = await scratch.db.client.query<{ next: string }>(
      'select last_value::text as next from assignments_learnpackwebhook_id_seq',
    );

    const purged = await runBin(['--status', 'ERROR', '--archive', '--batch-size', '40', '--force'], {
      ...env,
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
    });
    expect(purged.stderr).toBe('');
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('  Undo: restorable for 7 days (about ');
    const { rows: archived } = await scratch.db.client.query<{ rows: number; distinct_ids: number }>(
      'select count(*)::int as rows, count(distinct row_id)::int as distinct_ids from clear_telemetry_archive',
    );
    expect(archived[0]).toEqual({ rows: 150, distinct_ids: 150 });
    expect((await tableRows()).length).toBe(50);

    const restored = await runBin(['restore', '--request', '1', '--force'], env);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const lines = restored.stdout.trim().split('\n');
    expect(lines[1]).toBe("Restore 150 LearnPackWebhook records with status 'ERROR' archived by request #1");
    expect(lines).toContain('  Ids: 1 to 199, each row with its original id and every column as it was');
    expect(lines.at(-1)).toMatch(/^Restored 150 LearnPackWebhook records archived by request #1 in [\d.,]+ (ms|s)\.$/);
    expect(restored.stdout).toMatch(/Z Restored [\d,]+\/150 records/);

    expect(await tableRows()).toEqual(before);
    const { rows: seqAfter } = await scratch.db.client.query<{ next: string }>(
      'select last_value::text as next from assignments_learnpackwebhook_id_seq',
    );
    expect(seqAfter[0]?.next).toBe(seqBefore[0]?.next);
    const { rows: left } = await scratch.db.client.query<{ n: number }>(
      'select count(*)::int as n from clear_telemetry_archive',
    );
    expect(left[0]?.n).toBe(0);
    const { rows: ledger } = await scratch.db.client.query(
      'select id, kind, restore_of, state, deleted_count, skipped_count from clear_telemetry_request order by id',
    );
    expect(ledger).toEqual([
      { id: 1, kind: 'purge', restore_of: null, state: 'succeeded', deleted_count: 150, skipped_count: 0 },
      { id: 2, kind: 'restore', restore_of: 1, state: 'succeeded', deleted_count: 150, skipped_count: 0 },
    ]);

    const history = await runBin(['history'], env);
    expect(history.stdout.split('\n')[1]).toMatch(
      /^#2 · .* · restore of #1 · ERROR · batch · 150 of 150 · .* · succeeded$/,
    );

    const again = await runBin(['restore', '1', '--force'], env);
    expect(again).toMatchObject({
      code: 1,
      stderr:
        "clear-telemetry: request #1's archive is empty: its rows were restored already, or their 7 days are over.\n",
    });
  });

  it('skips and counts rows whose id was taken again, and leaves them in the archive', async () => {
    const ids = await insertWebhooks(scratch.db.client, ['ERROR', 'ERROR', 'ERROR', 'DONE']);
    expect((await runBin(['--status', 'ERROR', '--archive', '--force'], env)).code).toBe(0);
    // The Django app writes a new row with an id the purge freed (an explicit id, as a restore from a dump would).
    await scratch.db.client.query(
      `insert into assignments_learnpackwebhook (id, is_streaming, event, payload, status, created_at, updated_at) values ($1, true, 'new', '{"new": true}', 'PENDING', now(), now())`,
      [ids[1]],
    );
    const preview = await runBin(['restore', '--request', '1', '--dry-run'], env);
    expect(preview.stdout).toContain(
      '  Taken again: 1 of these ids hold new rows now; those are skipped, counted, and stay in the archive',
    );
    expect(preview.stdout).toContain('DRY RUN MODE - No records will be restored');

    const restored = await runBin(['restore', '--request', '1', '--force'], env);
    expect(restored.stdout.trim().split('\n').at(-1)).toMatch(
      /^Restored 2 LearnPackWebhook records archived by request #1 in .*; skipped 1 whose id is taken again \(they stay in the archive\)\.$/,
    );
    const { rows } = await scratch.db.client.query(
      'select id, event, status from assignments_learnpackwebhook order by id',
    );
    expect(rows).toEqual([
      { id: ids[0], event: 'test', status: 'ERROR' },
      { id: ids[1], event: 'new', status: 'PENDING' },
      { id: ids[2], event: 'test', status: 'ERROR' },
      { id: ids[3], event: 'test', status: 'DONE' },
    ]);
    const { rows: left } = await scratch.db.client.query('select row_id from clear_telemetry_archive');
    expect(left).toEqual([{ row_id: ids[1] }]);
    const { rows: ledger } = await scratch.db.client.query(
      "select deleted_count, skipped_count from clear_telemetry_request where kind = 'restore'",
    );
    expect(ledger).toEqual([{ deleted_count: 2, skipped_count: 1 }]);
  });

  it('refuses a purge that was not archived, and --archive where archiving is turned off', async () => {
    await insertWebhooks(scratch.db.client, ['ERROR', 'ERROR']);
    const plain = await runBin(['--status', 'ERROR', '--force'], env);
    expect(plain.stdout).toContain('  Undo: none; deleted rows cannot be restored (--archive keeps them, restorable)');
    const refused = await runBin(['restore', '--request', '1', '--force'], env);
    expect(refused).toMatchObject({
      code: 1,
      stderr:
        'clear-telemetry: request #1 was not archived (it ran without --archive), so its rows cannot be restored.\n',
    });

    await insertWebhooks(scratch.db.client, ['ERROR']);
    const never = await runBin(['--status', 'ERROR', '--archive', '--force'], {
      ...env,
      CLEAR_TELEMETRY_ARCHIVE: 'never',
    });
    expect(never.code).toBe(2);
    expect(never.stderr).toBe(
      'clear-telemetry: --archive is turned off here (CLEAR_TELEMETRY_ARCHIVE=never): deleted rows cannot be kept. Run it without --archive.\n',
    );
    const { rows } = await scratch.db.client.query<{ n: number }>(
      "select count(*)::int as n from assignments_learnpackwebhook where status = 'ERROR'",
    );
    expect(rows[0]?.n).toBe(1);
    const required = await runBin(['--status', 'ERROR', '--dry-run'], {
      ...env,
      CLEAR_TELEMETRY_ARCHIVE: 'always',
      CLEAR_TELEMETRY_ARCHIVE_DAYS: '3',
    });
    expect(required.stdout).toMatch(
      /\n {2}Undo: restorable for 3 days \(about [\d.]+ (bytes|kB) of archive, estimated from the average row size\)\n/,
    );
  });

  it('archives every deleted row exactly once across a kill -9 and a resume', async () => {
    await seedWebhooks(scratch.db.client, 20_000, 20_000);
    const running = start(
      process.execPath,
      ['bin/clear-telemetry.js', '--status', 'PENDING', '--archive', '--batch-size', '1000', '--force'],
      {
        ...env,
        CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
        CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000',
      },
    );
    await running.waitFor(/Z Deleted [1-9]/);
    running.child.kill('SIGKILL');
    await running.done;

    const ledger = new MikroRequestLedger(scratch.orm.em);
    // Once PostgreSQL has closed the killed process's session, its liveness lock is free: stale at once.
    await vi.waitFor(async () => expect((await ledger.interruptStale(0)).map((request) => request.id)).toEqual([1]), {
      timeout: 10_000,
      interval: 100,
    });
    const config = loadPurgeConfig({ ...env, CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0' });
    const runner = new RequestRunner({
      ledger,
      queue: scratch.queue,
      health: new PgHealthProbe(mikroSql(scratch.orm.em)),
      liveness: new PgRunLiveness(scratch.db.url),
      archive: new SqlArchiveStore(mikroSql(scratch.orm.em)),
      settings: config.purge,
      run: config.run,
      reporter: new RecordingReporter(),
      runnerId: 'test-resume',
      clock: () => new Date(),
      log: createLog('silent'),
      takesQueued: false,
    });
    expect(await runner.resume(1)).toBe('started');
    await runner.idle();

    expect(await remainingIds(scratch.db.client)).toEqual([]);
    const { rows } = await scratch.db.client.query(
      'select count(*)::int as rows, count(distinct row_id)::int as ids, min(row_id) as low, max(row_id) as high from clear_telemetry_archive',
    );
    expect(rows[0]).toEqual({ rows: 20_000, ids: 20_000, low: 1, high: 20_000 });
    const { rows: request } = await scratch.db.client.query(
      'select state, deleted_count from clear_telemetry_request where id = 1',
    );
    expect(request[0]).toEqual({ state: 'succeeded', deleted_count: 20_000 });
  });
});

describe('restoring a purge whose process died', () => {
  it('notices the dead run first, then restores what it archived', async () => {
    const ids = await insertWebhooks(scratch.db.client, ['DONE', 'DONE']);
    // A purge killed mid-run: still "running", its heartbeat a minute old, its archive holding one row.
    await scratch.db.client.query(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force, method, method_reason,
         matching_count, total_count, status_counts, planned_at, requester_id, runner_id, heartbeat_at, archive, archive_days, deleted_count)
       values (now(), now(), 'terminal', 'assignments_learnpackwebhook', 'running', 'DONE', 10, false, true, 'batch', 'test', 2, 2, '[]', now(), 'me', 'dead', now() - interval '1 minute', true, 7, 1)`,
    );
    await scratch.db.client.query(
      `with gone as (delete from assignments_learnpackwebhook where id = $1 returning *) insert into clear_telemetry_archive (request_id, row_id, row) select 1, id, to_jsonb(gone) from gone`,
      [ids[0]],
    );
    const restored = await runBin(['restore', '--request', '1', '--force'], {
      ...env,
      CLEAR_TELEMETRY_STALE_AFTER: '5s',
    });
    expect(restored.stderr).toBe('');
    expect(restored.stdout.trim().split('\n').at(-1)).toMatch(
      /^Restored 1 LearnPackWebhook records archived by request #1 in /,
    );
    expect(await remainingIds(scratch.db.client)).toEqual(ids);
    const { rows } = await scratch.db.client.query('select id, state from clear_telemetry_request order by id');
    expect(rows).toEqual([
      { id: 1, state: 'interrupted' },
      { id: 2, state: 'succeeded' },
    ]);
  });
});

describe('a restore obeys the same loop as a purge', () => {
  it('restores no faster than the rows-per-second ceiling', async () => {
    await seedWebhooks(scratch.db.client, 3_000, 3_000);
    const purged = await runBin(['--status', 'PENDING', '--archive', '--force'], {
      ...env,
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
    });
    expect(purged.code, purged.stderr).toBe(0);
    const restored = await runBin(['restore', '--request', '1', '--force'], {
      ...env,
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '2000',
    });
    expect(restored.code, restored.stderr).toBe(0);
    const { rows } = await scratch.db.client.query<{ deleted_count: number; ms: number; batches_done: number }>(
      `select deleted_count, extract(epoch from finished_at - started_at) * 1000 as ms, batches_done
       from clear_telemetry_request where kind = 'restore'`,
    );
    expect(rows[0]?.deleted_count).toBe(3_000);
    // 3,000 rows at 2,000 rows/s from an empty bucket: at least 1.5 s (less a tenth of a second's refill).
    // Before restores shared the purge's loop they ignored the ceiling: about 28,000 rows/s.
    expect(Number(rows[0]?.ms)).toBeGreaterThanOrEqual(1_350);
  });
});

describe('archive expiry', () => {
  it('removes only rows past their keeping time, a bounded batch at a time, and none while a run goes', async () => {
    await insertWebhooks(scratch.db.client, ['ERROR']);
    await scratch.db.client.query(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force, method, method_reason,
         matching_count, total_count, status_counts, planned_at, requester_id, archive, archive_days)
       values (now(), now(), 'terminal', 'assignments_learnpackwebhook', 'succeeded', 'ERROR', 10, false, true, 'batch', 'test', 30, 30, '[]', now(), 'me', true, 7)`,
    );
    // 25 rows archived eight days ago (expired), 5 an hour ago (kept).
    await scratch.db.client.query(
      `insert into clear_telemetry_archive (request_id, row_id, row, archived_at)
       select 1, n, jsonb_build_object('id', n), case when n <= 25 then now() - interval '8 days' else now() - interval '1 hour' end from generate_series(1, 30) as n`,
    );
    const store = new SqlArchiveStore(mikroSql(scratch.orm.em));
    expect(await store.expire(10)).toBe(10);
    const ledger = new MikroRequestLedger(scratch.orm.em);
    await scratch.db.client.query(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force, method, method_reason,
         matching_count, total_count, status_counts, planned_at, requester_id, runner_id, heartbeat_at)
       values (now(), now(), 'terminal', 'assignments_learnpackwebhook', 'running', 'DONE', 10, false, true, 'batch', 'test', 1, 1, '[]', now(), 'me', 'other', now())`,
    );
    expect(await expireArchives(store, ledger)).toBe(0);
    await scratch.db.client.query("update clear_telemetry_request set state = 'succeeded' where state = 'running'");
    expect(await expireArchives(store, ledger)).toBe(15);
    const { rows } = await scratch.db.client.query<{ row_id: number }>(
      'select row_id from clear_telemetry_archive order by row_id',
    );
    expect(rows.map((row) => row.row_id)).toEqual([26, 27, 28, 29, 30]);
  });

  it('keeps a row a minute inside its days, and removes one a minute past them', async () => {
    await scratch.db.client.query(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force, method, method_reason,
         matching_count, total_count, status_counts, planned_at, requester_id, archive, archive_days)
       values (now(), now(), 'terminal', 'assignments_learnpackwebhook', 'succeeded', 'ERROR', 10, false, true, 'batch', 'test', 2, 2, '[]', now(), 'me', true, 3)`,
    );
    await scratch.db.client.query(
      `insert into clear_telemetry_archive (request_id, row_id, row, archived_at) values
         (1, 1, '{"id": 1}', now() - interval '3 days' + interval '1 minute'),
         (1, 2, '{"id": 2}', now() - interval '3 days' - interval '1 minute')`,
    );
    expect(await new SqlArchiveStore(mikroSql(scratch.orm.em)).expire(10)).toBe(1);
    const { rows } = await scratch.db.client.query<{ row_id: number }>('select row_id from clear_telemetry_archive');
    expect(rows).toEqual([{ row_id: 1 }]);
  });
});
