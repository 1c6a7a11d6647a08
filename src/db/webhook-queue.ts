import type {
  AgeCutoff,
  BatchRequest,
  Census,
  Checkpoint,
  NativeDeleteRequest,
  Timeouts,
  WebhookQueue,
} from '../domain/ports.js';
import { ARCHIVE_TABLE, REQUEST_TABLE, WEBHOOK_TABLE } from './tables.js';
import { withDbErrors } from './db-errors.js';
import { setLocalTimeouts } from './local-timeouts.js';
import { LostOwnershipError } from '../errors.js';
import type { Sql } from './sql.js';

const TABLE = `"${WEBHOOK_TABLE}"`;

/** Key of the advisory lock that lets one census run at a time (distinct from the runs' key). */
const CENSUS_LOCK_KEY = 0x0c1e_ce05;

/**
 * True for a row the plan's age cut-off keeps (created at or after it). No index on created_at is
 * assumed: the predicate rides along the id-range walk.
 */
const YOUNG = `coalesce(created_at >= ?::timestamptz and (?::boolean or status = 'PENDING'), false)`;

/** Per status, as one snapshot saw it (`pg_current_snapshot()` is the snapshot of the statement that calls it). */
const CENSUS_COLUMNS = `status, count(*) as count, min(id) as min_id, max(id) as max_id, min(created_at) as oldest, max(created_at) as newest,
  pg_current_snapshot()::text as snapshot`;

/** One grouped scan: counts, key and age range per status, all from one snapshot, which it returns too. */
const CENSUS_SQL = {
  /** With a cut-off, the rows it keeps counted apart. */
  cut: `select ${CENSUS_COLUMNS}, count(*) filter (where young) as young, min(id) filter (where not young) as eligible_min_id,
           max(id) filter (where not young) as eligible_max_id, max(created_at) filter (where not young) as eligible_newest
        from (select id, status, created_at, ${YOUNG} as young from ${TABLE}) as rows
        group by status`,
  /** Without one, every row is eligible: the same figures without the filtered aggregates, which cost a fifth of the scan. */
  whole: `select ${CENSUS_COLUMNS}, 0 as young, min(id) as eligible_min_id, max(id) as eligible_max_id, max(created_at) as eligible_newest
          from ${TABLE} group by status`,
};

/** The parameters of YOUNG. */
function cutoffParams(cutoff: AgeCutoff): [string, boolean] {
  return [cutoff.before.toISOString(), cutoff.appliesTo === 'all'];
}

/**
 * True for a row version the plan's snapshot saw: written by a transaction that had its id before
 * the snapshot (its xmin is older than the snapshot's xmax) and was not still open then. A row
 * inserted, or updated into the status, after the plan fails it and is kept. `age()` compares
 * 32-bit transaction ids the wrap-safe way; a version that seems more than a billion transactions
 * newer than the deleting one can only be an ancient one whose raw xmin wrapped, so it counts as
 * seen. Not covered: a row written inside a savepoint of a transaction still open at the plan
 * (PostgreSQL's snapshot lists only top-level transactions).
 */
const SEEN_BY_PLAN = `not (age(xmin) between -1000000000 and age(?::xid)) and xmin <> all(?::xid[])`;

/**
 * One batch: the matching rows in one primary-key range. A range walks the key index and holds at
 * most `toId - fromId + 1` row locks. Constant text with bound parameters: building it through the
 * query builder cost a millisecond per batch (README, Benchmarks).
 */
const BATCH_SQL = {
  status: `delete from ${TABLE} where id >= ? and id <= ? and status = ?`,
  all: `delete from ${TABLE} where id >= ? and id <= ?`,
};

/** One statement for every matching row up to the watermark (`--use-cursor`, or a small set). */
const NATIVE_SQL = {
  status: `delete from ${TABLE} where id <= ? and status = ?`,
  all: `delete from ${TABLE} where id <= ?`,
};

/** The parameters of SEEN_BY_PLAN: the snapshot's xmax and open transactions, as 32-bit ids. */
function snapshotParams(snapshot: string): [string, string] {
  const match = /^(\d+):(\d+):([\d,]*)$/.exec(snapshot);
  if (!match) throw new Error(`not a PostgreSQL snapshot: '${snapshot}'`);
  const xid32 = (xid8: string) => (BigInt(xid8) % 4_294_967_296n).toString();
  const open = match[3] ? match[3].split(',').map(xid32) : [];
  return [xid32(match[2] ?? '0'), `{${open.join(',')}}`];
}

/**
 * The statement text and parameters of a delete, bounded by the plan's snapshot when it has one,
 * and keeping rows younger than its cut-off when it has one.
 */
function bounded(
  sql: string,
  params: unknown[],
  snapshot: string | null,
  cutoff: AgeCutoff | null = null,
): [string, unknown[]] {
  const [withAge, ageParams] =
    cutoff === null ? [sql, params] : [`${sql} and not ${YOUNG}`, [...params, ...cutoffParams(cutoff)]];
  return snapshot === null
    ? [withAge, ageParams]
    : [`${withAge} and ${SEEN_BY_PLAN}`, [...ageParams, ...snapshotParams(snapshot)]];
}

/**
 * The claim folded into the delete: it deletes only while this runner owns the request, and locks the
 * request's ledger row for the rest of the transaction. The sub-select is uncorrelated, so PostgreSQL
 * runs it once (an InitPlan), and takes the lock, before it scans a row. A CTE that also moved the
 * position needed `RETURNING`, which cost 20-35% more per batch than the checkpoint's own UPDATE.
 */
const WHILE_OWNED = `exists (select 1 from "${REQUEST_TABLE}" where id = ? and state = 'running' and runner_id = ? for update)`;

/**
 * Undo: the deleted rows, whole (`to_jsonb` of every column, whatever the Django table has grown),
 * inserted into the archive by the same statement that deletes them, so a crash can neither lose a
 * deleted row nor archive it twice. The insert's row count is the delete's.
 */
function archiving(deleteSql: string): string {
  return `with gone as (${deleteSql} returning *)
    insert into "${ARCHIVE_TABLE}" (request_id, row_id, row) select ?, gone.id, to_jsonb(gone) from gone`;
}

/**
 * A delete's commit does not wait for its WAL to reach the disk (PostgreSQL's `synchronous_commit`,
 * for this transaction only). A crash of the server can then lose the last few batches, up to three
 * times `wal_writer_delay` (600 ms by default), but never half of one: each batch's rows and the
 * run's position are one transaction, so the run resumes from where the database says it is. The
 * run's end is recorded with an ordinary commit, which makes every batch before it durable too.
 */
const ASYNC_COMMIT = { synchronous_commit: 'off' };

/** The batch added to the run's position; no row when the runner no longer owns the request. */
const CHECKPOINT_SQL = `update "${REQUEST_TABLE}" set deleted_count = deleted_count + ?, batches_done = batches_done + 1, last_deleted_id = ?,
    heartbeat_at = now(), updated_at = now() where id = ? and state = 'running' and runner_id = ?`;

/** Says who owns the request now, for the error of a runner that lost it. */
async function lostOwnership(tx: Sql, { requestId, runnerId }: Checkpoint): Promise<LostOwnershipError> {
  const [row] = await tx.rows<{ state: string; runner_id: string | null }>(
    `select state, runner_id from "${REQUEST_TABLE}" where id = ?`,
    [requestId],
  );
  return new LostOwnershipError(
    `request #${requestId} is no longer run by ${runnerId} (it is ${row?.state ?? 'gone'}, runner ${row?.runner_id ?? 'none'})`,
  );
}

interface CensusRow {
  status: string;
  count: string | number;
  min_id: number;
  max_id: number;
  oldest: string | Date;
  newest: string | Date;
  young: string | number;
  eligible_min_id: number | null;
  eligible_max_id: number | null;
  eligible_newest: string | Date | null;
  snapshot: string;
}

/**
 * The domain's `WebhookQueue` in SQL, on MikroORM's pool or on one plain connection (`Sql`). Every
 * statement is parameterised.
 */
export class SqlWebhookQueue implements WebhookQueue {
  constructor(
    private readonly sql: Sql,
    private readonly options: { censusTimeoutMs: number } = { censusTimeoutMs: 60_000 },
  ) {}

  /**
   * Under its own `statement_timeout`, and one at a time per database across every process (a
   * transaction-scoped advisory lock), so replicas previewing together scan the table one after
   * another instead of all at once.
   */
  async census(cutoff: AgeCutoff | null): Promise<Census> {
    const result = await withDbErrors(() =>
      this.sql.transaction(async (tx) => {
        await tx.rows(`select set_config('statement_timeout', ?, true)`, [`${this.options.censusTimeoutMs}ms`]);
        await tx.rows('select pg_advisory_xact_lock(?, ?)', [CENSUS_LOCK_KEY, 1]);
        const counted = await (cutoff
          ? tx.rows<CensusRow>(CENSUS_SQL.cut, cutoffParams(cutoff))
          : tx.rows<CensusRow>(CENSUS_SQL.whole));
        const [hidden] = await tx.rows<{ hidden: boolean }>(
          'select coalesce(bool_or(sent_lsn is null), false) as hidden from pg_stat_replication',
        );
        // The size on disk, TOAST included, from the file sizes (no scan), and the row versions it holds.
        const [size] = await tx.rows<{ bytes: string | number | null; versions: string | number | null }>(
          `select pg_table_size(c.oid) as bytes, s.n_live_tup + s.n_dead_tup as versions
           from pg_class c left join pg_stat_all_tables s on s.relid = c.oid where c.oid = to_regclass(?)`,
          [WEBHOOK_TABLE],
        );
        return {
          counted,
          replicaLagHidden: hidden?.hidden === true,
          tableBytes: size?.bytes ?? null,
          tableRowVersions: size?.versions ?? null,
        };
      }),
    );
    const { counted: rows, replicaLagHidden, tableBytes, tableRowVersions } = result;
    const statuses = rows.map((row) => ({
      status: row.status,
      count: Number(row.count),
      minId: row.min_id,
      maxId: row.max_id,
      // MikroORM's pg setup returns timestamptz as text (the wire format carries the offset), plain pg a Date.
      oldest: new Date(row.oldest),
      newest: new Date(row.newest),
      young: Number(row.young),
      eligibleMinId: row.eligible_min_id,
      eligibleMaxId: row.eligible_max_id,
      eligibleNewest: row.eligible_newest === null ? null : new Date(row.eligible_newest),
    }));
    const number = (value: string | number | null) => (value === null ? null : Number(value));
    return {
      statuses,
      snapshot: rows[0]?.snapshot ?? null,
      cutoff,
      replicaLagHidden,
      tableBytes: number(tableBytes),
      tableRowVersions: number(tableRowVersions),
    };
  }

  /** Walks the key index from `fromId`, filtering as a delete would; with `--limit`, the plan's watermark. */
  async firstRows({
    status,
    fromId,
    toId,
    n,
    snapshot,
    cutoff,
  }: Parameters<WebhookQueue['firstRows']>[0]): Promise<{ lastId: number; newest: Date } | null> {
    const [where, params] =
      status === 'ALL'
        ? bounded('id >= ? and id <= ?', [fromId, toId], snapshot, cutoff)
        : bounded('id >= ? and id <= ? and status = ?', [fromId, toId, status], snapshot, cutoff);
    const rows = await withDbErrors(() =>
      this.sql.rows<{ rows: string | number; last_id: number | null; newest: string | Date | null }>(
        `select count(*) as rows, max(id) as last_id, max(created_at) as newest
         from (select id, created_at from ${TABLE} where ${where} order by id limit ?) as first_rows`,
        [...params, n],
      ),
    );
    const row = rows[0];
    return row && Number(row.rows) === n && row.last_id !== null && row.newest !== null
      ? { lastId: row.last_id, newest: new Date(row.newest) }
      : null;
  }

  /** One id range in a transaction of its own; faster than selecting the next N ids first (README, Benchmarks). */
  async deleteBatch({ status, fromId, toId, snapshot, cutoff, timeouts, checkpoint }: BatchRequest): Promise<number> {
    const [sql, params] =
      status === 'ALL'
        ? bounded(BATCH_SQL.all, [fromId, toId], snapshot, cutoff)
        : bounded(BATCH_SQL.status, [fromId, toId, status], snapshot, cutoff);
    return this.deleteAndCheckpoint(sql, params, toId, timeouts, checkpoint);
  }

  async deleteAll({ status, watermark, snapshot, cutoff, timeouts, checkpoint }: NativeDeleteRequest): Promise<number> {
    const [sql, params] =
      status === 'ALL'
        ? bounded(NATIVE_SQL.all, [watermark], snapshot, cutoff)
        : bounded(NATIVE_SQL.status, [watermark, status], snapshot, cutoff);
    return this.deleteAndCheckpoint(sql, params, watermark, timeouts, checkpoint);
  }

  /**
   * A transaction of its own with `SET LOCAL`-scoped timeouts, so nothing leaks into the pool. With a
   * checkpoint the delete runs only while this runner owns the request (and locks its ledger row),
   * and commits with the run's position moved to `lastId`: the delete and the position are one.
   */
  private async deleteAndCheckpoint(
    sql: string,
    params: unknown[],
    lastId: number,
    timeouts: Timeouts,
    checkpoint: Checkpoint | undefined,
  ): Promise<number> {
    return withDbErrors(() =>
      this.sql.transaction(async (tx) => {
        await setLocalTimeouts(tx, timeouts, ASYNC_COMMIT);
        if (!checkpoint) return tx.affected(sql, params);
        const { requestId, runnerId } = checkpoint;
        const owned = `${sql} and ${WHILE_OWNED}`;
        const ownedParams: unknown[] = [...params, requestId, runnerId];
        const deleted = checkpoint.archive
          ? await tx.affected(archiving(owned), [...ownedParams, requestId])
          : await tx.affected(owned, ownedParams);
        const stillOwned = await tx.affected(CHECKPOINT_SQL, [deleted, lastId, requestId, runnerId]);
        // Not owned: nothing was deleted, and throwing rolls back anyway.
        if (stillOwned !== 1) throw await lostOwnership(tx, checkpoint);
        return deleted;
      }),
    );
  }
}
