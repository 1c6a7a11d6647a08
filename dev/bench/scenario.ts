/**
 * One benchmark scenario in a process of its own, so its peak RSS is its own. Prints one JSON line.
 * Usage: node dist/dev/bench/scenario.js <databaseUrl> <kind> <status> <batchSize>
 *   kind: floor | native | batch | keyset | recorded | aged (batch, with PENDING's minimum age)
 *         | archive-floor (one `with gone as (delete … returning *) insert into the archive …`)
 *         | archived (the recorded run with --archive) | restore (an archived run, untimed, then its restore)
 *   batchSize: the --batch-size ceiling; 0 means the flag is not given (batches sized by time)
 */
import pg from 'pg';
import { initORM } from '../../src/db/init-orm.js';
import { SqlWebhookQueue } from '../../src/db/webhook-queue.js';
import { loadPurgeConfig } from '../../src/config.js';
import { planPurge } from '../../src/domain/plan/plan.js';
import { purge } from '../../src/domain/run/purge.js';
import type { BatchRequest, WebhookQueue } from '../../src/domain/ports.js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MikroRequestLedger } from '../../src/db/request-ledger.js';
import { SqlArchiveStore } from '../../src/db/archive-store.js';
import { restorePlan } from '../../src/domain/undo/restore.js';
import { runFromTerminal } from '../../src/cli/terminal-run.js';
import { createLog } from '../../src/log.js';
import type { StatusFilter } from '../../src/domain/plan/webhook-statuses.js';
import { DEFAULT_BATCH_SIZE } from '../../src/domain/plan/flag-values.js';
import { mikroSql } from '../../src/db/mikro-sql.js';

const [url = '', kind = 'batch', status = 'PENDING', size = '0'] = process.argv.slice(2);
const batchSize = Number(size) || DEFAULT_BATCH_SIZE;
/** The keyset alternative needs a fixed size. */
const keysetSize = Number(size) || 10_000;

interface Result {
  deleted: number;
  ms: number;
  slowestBatchMs: number;
  batches: number;
}

async function floor(): Promise<Result> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ wm: number }>('select max(id) as wm from assignments_learnpackwebhook');
  const started = performance.now();
  const result = await client.query('delete from assignments_learnpackwebhook where id <= $1 and status = $2', [
    rows[0]?.wm,
    status,
  ]);
  const ms = performance.now() - started;
  await client.end();
  return { deleted: result.rowCount ?? 0, ms, slowestBatchMs: ms, batches: 1 };
}

/**
 * The alternative the engine does not use: a keyset walk that first selects the next `batchSize`
 * matching ids, then deletes that key range; each batch its own transaction, like the engine's.
 */
async function keyset(): Promise<Result> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ wm: number }>(
    'select max(id) as wm from assignments_learnpackwebhook where status = $1',
    [status],
  );
  const wm = rows[0]?.wm ?? 0;
  let fromId = -2_147_483_648;
  let deleted = 0;
  let slowest = 0;
  let batches = 0;
  const started = performance.now();
  for (;;) {
    const t = performance.now();
    await client.query('begin');
    const bound = await client.query<{ last: number | null }>(
      `select max(id) as last from (select id from assignments_learnpackwebhook
         where id >= $1 and id <= $2 and status = $3 order by id limit $4) b`,
      [fromId, wm, status, keysetSize],
    );
    const last = bound.rows[0]?.last ?? null;
    if (last === null) {
      await client.query('commit');
      break;
    }
    const r = await client.query(
      'delete from assignments_learnpackwebhook where id >= $1 and id <= $2 and status = $3',
      [fromId, last, status],
    );
    await client.query('commit');
    slowest = Math.max(slowest, performance.now() - t);
    deleted += r.rowCount ?? 0;
    batches += 1;
    fromId = last + 1;
  }
  const ms = performance.now() - started;
  await client.end();
  return { deleted, ms, slowestBatchMs: slowest, batches };
}

async function engine(method: 'native' | 'batch', aged = false): Promise<Result> {
  const orm = await initORM(url);
  const queue = new SqlWebhookQueue(mikroSql(orm.em));
  const config = loadPurgeConfig(process.env);
  let slowest = 0;
  const timed = {
    census: queue.census.bind(queue),
    firstRows: queue.firstRows.bind(queue),
    deleteAll: async (request: Parameters<typeof queue.deleteAll>[0]) => {
      const t = performance.now();
      const n = await queue.deleteAll(request);
      slowest = Math.max(slowest, performance.now() - t);
      return n;
    },
    deleteBatch: async (request: BatchRequest) => {
      const t = performance.now();
      const n = await queue.deleteBatch(request);
      slowest = Math.max(slowest, performance.now() - t);
      return n;
    },
  };
  // The same rows as the floor, unless the scenario measures the age cut-off's predicate (PENDING's minimum age).
  const policy = {
    ...config.plan,
    nativeMaxRows: method === 'native' ? Number.MAX_SAFE_INTEGER : 0,
    pendingMinAgeMs: aged ? config.plan.pendingMinAgeMs : 0,
  };
  const plan = await planPurge(
    queue.census.bind(queue),
    queue,
    { status: status as StatusFilter, batchSize, useCursor: false },
    policy,
    new Date(),
  );
  const started = performance.now();
  const outcome = await purge(plan, timed, config.purge);
  const ms = performance.now() - started;
  await orm.close(true);
  if (outcome.state !== 'completed') throw outcome.error ?? new Error(outcome.state);
  return { deleted: outcome.deleted, ms, slowestBatchMs: slowest, batches: outcome.batches };
}

/**
 * The path the terminal and Slack really take: the terminal command's recorded run (a ledger
 * request run by the RequestRunner, each batch committed together with its position, heartbeats
 * and the health gate), without its screen.
 */
async function recorded(archive = false): Promise<Result> {
  const orm = await initORM(url);
  const config = loadPurgeConfig(process.env);
  const queue = new SqlWebhookQueue(mikroSql(orm.em));
  let slowest = 0;
  const timed = {
    ...queueOf(queue),
    deleteBatch: time(queue.deleteBatch.bind(queue), (ms) => (slowest = Math.max(slowest, ms))),
  };
  const plan = await planPurge(
    queue.census.bind(queue),
    queue,
    { status: status as StatusFilter, batchSize, useCursor: false, archive },
    { ...config.plan, nativeMaxRows: 0, pendingMinAgeMs: 0 },
    new Date(),
  );
  const started = performance.now();
  const run = await runFromTerminal(plan, { useCursor: false }, terminalDeps(orm, config, timed));
  const ms = performance.now() - started;
  await orm.close(true);
  if (!('state' in run) || run.state !== 'completed') throw new Error(`run ended ${JSON.stringify(run)}`);
  return { deleted: run.deleted, ms, slowestBatchMs: slowest, batches: run.batches };
}

function terminalDeps(orm: MikroORM, config: ReturnType<typeof loadPurgeConfig>, queue: WebhookQueue) {
  const quiet = () => undefined;
  return {
    orm,
    databaseUrl: url,
    queue,
    config,
    display: { update: quiet, note: quiet, finish: () => Promise.resolve() },
    log: createLog('silent'),
  };
}

/** The archive's floor: one statement that deletes the rows and inserts them, whole, into the archive (request 0's). */
async function archiveFloor(): Promise<Result> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `insert into clear_telemetry_request (id, created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force, method, method_reason,
       matching_count, total_count, status_counts, planned_at, requester_id)
     values (1000000, now(), now(), 'terminal', 'bench', 'succeeded', $1, 1, false, true, 'native', 'bench', 0, 0, '[]', now(), 'bench')`,
    [status],
  );
  const { rows } = await client.query<{ wm: number }>('select max(id) as wm from assignments_learnpackwebhook');
  const started = performance.now();
  const result = await client.query(
    `with gone as (delete from assignments_learnpackwebhook where id <= $1 and status = $2 returning *)
     insert into clear_telemetry_archive (request_id, row_id, row) select 1000000, gone.id, to_jsonb(gone) from gone`,
    [rows[0]?.wm, status],
  );
  const ms = performance.now() - started;
  await client.end();
  return { deleted: result.rowCount ?? 0, ms, slowestBatchMs: ms, batches: 1 };
}

/** An archived recorded run (untimed), then the restore of what it archived (timed). */
async function restoreRun(): Promise<Result> {
  await recorded(true);
  const orm = await initORM(url);
  const config = loadPurgeConfig(process.env);
  const queue = new SqlWebhookQueue(mikroSql(orm.em));
  const purged = await new MikroRequestLedger(orm.em).get(1);
  if (!purged) throw new Error('the archived run left no request #1');
  const survey = await new SqlArchiveStore(mikroSql(orm.em)).survey(1);
  const started = performance.now();
  const run = await runFromTerminal(
    restorePlan(purged.plan, survey, new Date()),
    { useCursor: false, restoreOf: 1 },
    terminalDeps(orm, config, queueOf(queue)),
  );
  const ms = performance.now() - started;
  await orm.close(true);
  if (!('state' in run) || run.state !== 'completed') throw new Error(`restore ended ${JSON.stringify(run)}`);
  return { deleted: run.deleted, ms, slowestBatchMs: 0, batches: run.batches };
}

function queueOf(queue: SqlWebhookQueue) {
  return {
    census: queue.census.bind(queue),
    firstRows: queue.firstRows.bind(queue),
    deleteAll: queue.deleteAll.bind(queue),
    deleteBatch: queue.deleteBatch.bind(queue),
  };
}

function time<A extends unknown[], R>(
  work: (...args: A) => Promise<R>,
  record: (ms: number) => void,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const t = performance.now();
    try {
      return await work(...args);
    } finally {
      record(performance.now() - t);
    }
  };
}

const run = {
  floor,
  keyset,
  recorded: () => recorded(),
  native: () => engine('native'),
  batch: () => engine('batch'),
  aged: () => engine('batch', true),
  'archive-floor': archiveFloor,
  archived: () => recorded(true),
  restore: restoreRun,
}[kind as 'floor'];
const result = await run();
console.log(JSON.stringify({ ...result, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
