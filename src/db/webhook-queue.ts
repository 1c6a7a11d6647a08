import type { EntityManager } from '@mikro-orm/postgresql';
import type { BatchRequest, NativeDeleteRequest, StatusCensus, Timeouts, WebhookQueue } from '../domain/ports.js';
import { LearnpackWebhook, WEBHOOK_TABLE } from './entities/learnpack-webhook.js';
import { withDbErrors } from './db-errors.js';

const TABLE = `"${WEBHOOK_TABLE}"`;

/** One grouped scan: counts, key and age range per status, all from one snapshot. */
const CENSUS_SQL = `
  select status, count(*) as count, min(id) as min_id, max(id) as max_id, min(created_at) as oldest, max(created_at) as newest
  from ${TABLE} group by status`;

/**
 * One batch: the matching rows in one primary-key range. A range walks the key index and holds at
 * most `toId - fromId + 1` row locks. Constant text with bound parameters: building it through the
 * query builder cost a millisecond per batch (README, Benchmarks).
 */
const BATCH_SQL = {
  status: `delete from ${TABLE} where id >= ? and id <= ? and status = ?`,
  all: `delete from ${TABLE} where id >= ? and id <= ?`,
};

interface CensusRow {
  status: string;
  count: string | number;
  min_id: number;
  max_id: number;
  oldest: string | Date;
  newest: string | Date;
}

/** The MikroORM adapter behind the domain's `WebhookQueue`. Every statement is parameterised. */
export class MikroWebhookQueue implements WebhookQueue {
  constructor(private readonly em: EntityManager) {}

  async census(): Promise<StatusCensus[]> {
    const rows = await withDbErrors(() => this.em.fork().execute<CensusRow[]>(CENSUS_SQL));
    return rows.map((row) => ({
      status: row.status,
      count: Number(row.count),
      minId: row.min_id,
      maxId: row.max_id,
      // MikroORM's pg setup returns timestamptz as text; the wire format carries the offset.
      oldest: new Date(row.oldest),
      newest: new Date(row.newest),
    }));
  }

  /** One id range in a transaction of its own; faster than selecting the next N ids first (README, Benchmarks). */
  async deleteBatch({ status, fromId, toId, timeouts }: BatchRequest): Promise<number> {
    const [sql, params] = status === 'ALL' ? [BATCH_SQL.all, [fromId, toId]] : [BATCH_SQL.status, [fromId, toId, status]];
    const result = await this.inShortTransaction(timeouts, (tx) => tx.execute<{ affectedRows: number }>(sql, params, 'run'));
    return result.affectedRows;
  }

  async deleteAll({ status, watermark, timeouts }: NativeDeleteRequest): Promise<number> {
    const where = status === 'ALL' ? { id: { $lte: watermark } } : { id: { $lte: watermark }, status };
    return this.inShortTransaction(timeouts, (tx) => tx.nativeDelete(LearnpackWebhook, where));
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
