import type { EntityManager } from '@mikro-orm/postgresql';
import type { BatchRequest, Checkpoint, NativeDeleteRequest, StatusCensus, Timeouts, WebhookQueue } from '../domain/ports.js';
import { LearnpackWebhook, WEBHOOK_TABLE } from './entities/learnpack-webhook.js';
import { withDbErrors } from './db-errors.js';
import { REQUEST_TABLE } from './entities/purge-request.js';
import { LostOwnershipError } from '../errors.js';

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

interface Step {
  deleted: number;
  lastId: number;
  batches: number;
}

/** Locks the ledger row for the rest of the batch; refuses if another runner owns the request now. */
async function claim(tx: EntityManager, { requestId, runnerId }: Checkpoint): Promise<void> {
  const [row] = await tx.execute<{ state: string; runner_id: string | null }[]>(
    `select state, runner_id from "${REQUEST_TABLE}" where id = ? for update`,
    [requestId],
  );
  if (row?.state !== 'running' || row.runner_id !== runnerId) {
    throw new LostOwnershipError(`request #${requestId} is no longer run by ${runnerId} (it is ${row?.state ?? 'gone'}, runner ${row?.runner_id ?? 'none'})`);
  }
}

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
  async deleteBatch({ status, fromId, toId, timeouts, checkpoint }: BatchRequest): Promise<number> {
    const [sql, params] = status === 'ALL' ? [BATCH_SQL.all, [fromId, toId]] : [BATCH_SQL.status, [fromId, toId, status]];
    return this.inShortTransaction(timeouts, checkpoint, async (tx) => {
      const { affectedRows } = await tx.execute<{ affectedRows: number }>(sql, params, 'run');
      return { deleted: affectedRows, lastId: toId, batches: 1 };
    });
  }

  async deleteAll({ status, watermark, timeouts, checkpoint }: NativeDeleteRequest): Promise<number> {
    const where = status === 'ALL' ? { id: { $lte: watermark } } : { id: { $lte: watermark }, status };
    return this.inShortTransaction(timeouts, checkpoint, async (tx) => {
      const deleted = await tx.nativeDelete(LearnpackWebhook, where);
      return { deleted, lastId: watermark, batches: 1 };
    });
  }

  /**
   * A transaction of its own with `SET LOCAL`-scoped timeouts, so nothing leaks into the pool. With a
   * checkpoint it first locks the request's ledger row and checks this runner still owns it, and
   * adds the batch to the run's position before committing: the delete and the position are one.
   */
  private async inShortTransaction(timeouts: Timeouts, checkpoint: Checkpoint | undefined, work: (tx: EntityManager) => Promise<Step>): Promise<number> {
    return withDbErrors(() =>
      this.em.fork().transactional(async (tx) => {
        await tx.execute(`select set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)`, [
          `${timeouts.statementMs}ms`,
          `${timeouts.lockMs}ms`,
        ]);
        if (checkpoint) await claim(tx, checkpoint);
        const step = await work(tx);
        if (checkpoint) {
          await tx.execute(
            `update "${REQUEST_TABLE}" set deleted_count = deleted_count + ?, batches_done = batches_done + ?, last_deleted_id = ?,
               heartbeat_at = now(), updated_at = now() where id = ?`,
            [step.deleted, step.batches, step.lastId, checkpoint.requestId],
            'run',
          );
        }
        return step.deleted;
      }),
    );
  }
}
