import { LostOwnershipError } from '../errors.js';
import { withDbErrors } from './db-errors.js';
import { setLocalTimeouts } from './local-timeouts.js';
import type { Sql } from './sql.js';
import { ARCHIVE_TABLE, REQUEST_TABLE, WEBHOOK_TABLE } from './tables.js';
import type { ArchiveStore, ArchiveSurvey, RestoreBatchRequest, RestoredBatch } from '../domain/ports.js';

const TABLE = `"${WEBHOOK_TABLE}"`;
const ARCHIVE = `"${ARCHIVE_TABLE}"`;

/**
 * One restore batch in one statement: the next archived rows of the purge, inserted back with every
 * column as archived (`jsonb_populate_record` maps the jsonb onto the table's current columns, once per row; one
 * added since gets null) and their original ids, which an identity column BY DEFAULT accepts without
 * moving its sequence. An id taken again since the purge conflicts and is skipped (`on conflict do
 * nothing`); its row stays in the archive. Restored rows leave the archive, found by their archive
 * ids (`= any(array(…))` keeps that an index lookup). The batch reads the
 * archive only while this runner owns the restore request, whose ledger row it locks first.
 */
const RESTORE_SQL = `
  with batch as (
    select id, row_id, row from ${ARCHIVE}
    where request_id = ? and id > ? and id <= ?
      and exists (select 1 from "${REQUEST_TABLE}" where id = ? and state = 'running' and runner_id = ? for update)
    order by id limit ?
  ), back as (
    insert into ${TABLE} select restored.* from batch, lateral jsonb_populate_record(null::${TABLE}, batch.row) as restored
    on conflict do nothing
    returning id
  ), cleared as (
    delete from ${ARCHIVE} where id = any(array(select batch.id from batch join back on back.id = batch.row_id))
  )
  select (select count(*) from batch)::int as seen, (select count(*) from back)::int as restored, (select max(id) from batch) as last_id`;

const CHECKPOINT_SQL = `update "${REQUEST_TABLE}" set deleted_count = deleted_count + ?, skipped_count = skipped_count + ?, batches_done = batches_done + 1,
    last_deleted_id = ?, heartbeat_at = now(), updated_at = now() where id = ? and state = 'running' and runner_id = ?`;

/**
 * Archived rows past their keeping time: the days the purge's preview promised, from when each row
 * was archived. Oldest first, a bounded number at a time.
 */
const EXPIRE_SQL = `
  delete from ${ARCHIVE} where id in (
    select a.id from ${ARCHIVE} a join "${REQUEST_TABLE}" r on r.id = a.request_id
    where a.archived_at < now() - make_interval(days => coalesce(r.archive_days, 0))
    order by a.id limit ?
  )`;

/** The domain's `ArchiveStore` in SQL (`Sql`: MikroORM's pool or one plain connection). */
export class SqlArchiveStore implements ArchiveStore {
  constructor(private readonly sql: Sql) {}

  async survey(purgeId: number): Promise<ArchiveSurvey> {
    const [row] = await withDbErrors(() =>
      this.sql.rows<{
        rows: number;
        first_id: string | null;
        last_id: string | null;
        min_row: number | null;
        max_row: number | null;
        taken: number;
        expires_at: string | Date | null;
      }>(
        `select count(*)::int as rows, min(a.id) as first_id, max(a.id) as last_id, min(a.row_id) as min_row, max(a.row_id) as max_row,
           count(t.id)::int as taken, min(a.archived_at) + make_interval(days => max(coalesce(r.archive_days, 0))) as expires_at
         from ${ARCHIVE} a join "${REQUEST_TABLE}" r on r.id = a.request_id left join ${TABLE} t on t.id = a.row_id
         where a.request_id = ?`,
        [purgeId],
      ),
    );
    return {
      rows: row?.rows ?? 0,
      firstArchiveId: row?.first_id === null || row?.first_id === undefined ? null : Number(row.first_id),
      lastArchiveId: row?.last_id === null || row?.last_id === undefined ? null : Number(row.last_id),
      minRowId: row?.min_row ?? null,
      maxRowId: row?.max_row ?? null,
      taken: row?.taken ?? 0,
      expiresAt: row?.expires_at ? new Date(row.expires_at) : null,
    };
  }

  async restoreBatch({
    purgeId,
    afterId,
    toId,
    limit,
    timeouts,
    checkpoint,
  }: RestoreBatchRequest): Promise<RestoredBatch> {
    const { requestId, runnerId } = checkpoint;
    return withDbErrors(() =>
      this.sql.transaction(async (tx) => {
        // The archive's statistics lag far behind it (a purge just filled it): without the last two the
        // planner read all of a request's archive and sorted it, for every batch (1.7 s a batch at 400,000 rows).
        await setLocalTimeouts(tx, timeouts, { enable_bitmapscan: 'off', enable_sort: 'off' });
        const [row] = await tx.rows<{ seen: number; restored: number; last_id: string | null }>(RESTORE_SQL, [
          purgeId,
          afterId,
          toId,
          requestId,
          runnerId,
          limit,
        ]);
        const batch = {
          seen: row?.seen ?? 0,
          restored: row?.restored ?? 0,
          lastArchiveId: row?.last_id === null || row?.last_id === undefined ? null : Number(row.last_id),
        };
        const owned = await tx.affected(CHECKPOINT_SQL, [
          batch.restored,
          batch.seen - batch.restored,
          batch.lastArchiveId ?? afterId,
          requestId,
          runnerId,
        ]);
        if (owned !== 1) throw new LostOwnershipError(`restore request #${requestId} is no longer run by ${runnerId}`);
        return batch;
      }),
    );
  }

  async expire(limit: number): Promise<number> {
    return withDbErrors(() => this.sql.affected(EXPIRE_SQL, [limit]));
  }
}
