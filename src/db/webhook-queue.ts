import type { EntityManager } from '@mikro-orm/postgresql';
import type { BatchRequest, BatchResult, NativeDeleteRequest, StatusCensus, Timeouts, WebhookQueue } from '../domain/ports.js';
import type { StatusFilter } from '../domain/statuses.js';
import { LearnpackWebhook, WEBHOOK_TABLE } from './entities/learnpack-webhook.js';
import { withDbErrors } from './db-errors.js';

const TABLE = `"${WEBHOOK_TABLE}"`;

/** One grouped scan: counts, key and age range per status, all from one snapshot. */
const CENSUS_SQL = `
  select status, count(*) as count, max(id) as max_id, min(created_at) as oldest, max(created_at) as newest
  from ${TABLE} group by status`;

/**
 * One keyset batch: walk the primary key from `fromId`, take the next `limit` matching ids up to the
 * watermark, delete them. The status is checked again in the DELETE, so a row whose status changed
 * after the SELECT saw it is re-checked by PostgreSQL and kept. No rows travel to Node.
 */
function batchSql(withStatus: boolean): string {
  const statusFilter = withStatus ? 'and status = ?' : '';
  const statusRecheck = withStatus ? 'and t.status = ?' : '';
  return `
    with batch as (
      select id from ${TABLE} where id >= ? and id <= ? ${statusFilter} order by id limit ?
    ), gone as (
      delete from ${TABLE} t using batch where t.id = batch.id ${statusRecheck} returning t.id
    )
    select (select count(*) from gone) as deleted, (select count(*) from batch) as scanned, (select max(id) from batch) as last_id`;
}
const BATCH_SQL = { status: batchSql(true), all: batchSql(false) };

interface CensusRow {
  status: string;
  count: string | number;
  max_id: number;
  oldest: string | Date;
  newest: string | Date;
}

interface BatchRow {
  deleted: string | number;
  scanned: string | number;
  last_id: number | null;
}

/** The MikroORM adapter behind the domain's `WebhookQueue`. Every statement is parameterised. */
export class MikroWebhookQueue implements WebhookQueue {
  constructor(private readonly em: EntityManager) {}

  async census(): Promise<StatusCensus[]> {
    const rows = await withDbErrors(() => this.em.fork().execute<CensusRow[]>(CENSUS_SQL));
    return rows.map((row) => ({
      status: row.status,
      count: Number(row.count),
      maxId: row.max_id,
      // MikroORM's pg setup returns timestamptz as text; the wire format carries the offset.
      oldest: new Date(row.oldest),
      newest: new Date(row.newest),
    }));
  }

  async deleteBatch({ status, fromId, watermark, limit, timeouts }: BatchRequest): Promise<BatchResult> {
    const [sql, params] =
      status === 'ALL' ? [BATCH_SQL.all, [fromId, watermark, limit]] : [BATCH_SQL.status, [fromId, watermark, status, limit, status]];
    const rows = await this.inShortTransaction(timeouts, (tx) => tx.execute<BatchRow[]>(sql, params));
    const row = rows[0];
    return { deleted: Number(row?.deleted ?? 0), scanned: Number(row?.scanned ?? 0), lastId: row?.last_id ?? null };
  }

  async deleteAll({ status, watermark, timeouts }: NativeDeleteRequest): Promise<number> {
    return this.inShortTransaction(timeouts, (tx) => tx.nativeDelete(LearnpackWebhook, matching(status, watermark)));
  }

  /** A transaction of its own with `SET LOCAL`-scoped timeouts, so nothing leaks into the pool. */
  private async inShortTransaction<T>(timeouts: Timeouts, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return withDbErrors(() =>
      this.em.fork().transactional(async (tx) => {
        await tx.execute(`select set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)`, [
          `${timeouts.statementMs}ms`,
          `${timeouts.lockMs}ms`,
        ]);
        return work(tx);
      }),
    );
  }
}

function matching(status: StatusFilter, watermark: number) {
  return status === 'ALL' ? { id: { $lte: watermark } } : { id: { $lte: watermark }, status };
}
