import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NewPurgeRequest, PurgeRequestRecord } from '../domain/request/request.js';
import type { RequestState } from '../domain/request/request-states.js';
import { REQUEST_TABLE, WEBHOOK_TABLE } from './tables.js';
import { PurgeRequest } from './entities/purge-request.js';
import { withDbErrors } from './db-errors.js';
import { DatabaseError } from '../errors.js';
import { RUN_LOCK_KEY } from './run-liveness.js';
import { newRequestRow, toRecord, type PurgeRequestRow as Row } from './request-rows.js';
import type { RequestLedger, RunControl, RunResult } from '../domain/run-ports.js';
type Where = Record<string, unknown>;

/** True while the run's process holds its liveness lock (src/db/run-liveness.ts); `?` is RUN_LOCK_KEY. */
const LIVENESS_HELD = `exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted
  and l.classid = ?::oid and l.objid = r.id::oid and l.objsubid = 2)`;

/**
 * The request ledger in PostgreSQL. Every state change is a conditional UPDATE (compare-and-set on
 * the state) whose affected row count says whether this caller won, so two clicks, or two replicas,
 * can never both move a request forward.
 */
export class MikroRequestLedger implements RequestLedger {
  constructor(private readonly em: EntityManager) {}

  async create(request: NewPurgeRequest): Promise<PurgeRequestRecord> {
    const id = await this.run((em) => em.insert(PurgeRequest, newRequestRow(request, new Date())));
    return this.require(Number(id));
  }

  async remove(id: number): Promise<void> {
    await this.run((em) => em.nativeDelete(PurgeRequest, { id }));
  }

  async attachMessage(id: number, channelId: string, messageTs: string): Promise<void> {
    await this.update({ id }, { channelId, messageTs });
  }

  async get(id: number): Promise<PurgeRequestRecord | null> {
    const row = await this.run((em) => em.findOne(PurgeRequest, { id }, { disableIdentityMap: true }));
    return row ? toRecord(row) : null;
  }

  async approve(id: number, approverId: string, selfApproved: boolean, now: Date): Promise<boolean> {
    return this.update(
      { id, state: 'awaiting_approval', $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
      { state: 'approved', approverId, approvedAt: now, selfApproved },
    );
  }

  async cancel(id: number, by: string, now: Date): Promise<boolean> {
    return this.update(
      { id, state: { $in: ['awaiting_approval', 'approved'] } },
      { state: 'cancelled', decidedBy: by, decidedAt: now },
    );
  }

  async expireDue(now: Date): Promise<PurgeRequestRecord[]> {
    const due = await this.run((em) =>
      em.find(PurgeRequest, { state: 'awaiting_approval', expiresAt: { $lte: now } }, { disableIdentityMap: true }),
    );
    const expired: PurgeRequestRecord[] = [];
    for (const row of due) {
      if (await this.update({ id: row.id, state: 'awaiting_approval' }, { state: 'expired', decidedAt: now })) {
        expired.push(await this.require(row.id));
      }
    }
    return expired;
  }

  async start(id: number, runnerId: string): Promise<'started' | 'busy' | 'not-approved'> {
    return this.claimRunner(
      { id, state: 'approved' },
      runnerId,
      { startedAt: new Date(), unresponsiveSince: null },
      'not-approved',
    );
  }

  async resume(id: number, runnerId: string): Promise<'started' | 'busy' | 'not-resumable'> {
    return this.claimRunner(
      { id, state: { $in: ['interrupted', 'failed', 'stopped'] } },
      runnerId,
      {
        finishedAt: null,
        error: null,
        stopRequestedBy: null,
        stopRequestedAt: null,
        pausedBy: null,
        pausedAt: null,
        unresponsiveSince: null,
      },
      'not-resumable',
    );
  }

  async markQueued(id: number, behindId: number | null): Promise<boolean> {
    const { affectedRows } = await this.run((em) =>
      em.execute<{ affectedRows: number }>(
        `update "${REQUEST_TABLE}" set queued_behind = ?, updated_at = now() where id = ? and state = 'approved' and queued_behind is distinct from ?`,
        [behindId ?? 0, id, behindId ?? 0],
        'run',
      ),
    );
    return affectedRows === 1;
  }

  async running(): Promise<PurgeRequestRecord | null> {
    return this.findOne({ targetTable: WEBHOOK_TABLE, state: 'running' });
  }

  async list(limit: number, states?: readonly RequestState[]): Promise<PurgeRequestRecord[]> {
    const where = states ? { targetTable: WEBHOOK_TABLE, state: { $in: [...states] } } : { targetTable: WEBHOOK_TABLE };
    const rows = await this.run((em) =>
      em.find(PurgeRequest, where, { orderBy: { id: 'desc' }, limit, disableIdentityMap: true }),
    );
    return rows.map(toRecord);
  }

  async nextQueued(): Promise<PurgeRequestRecord | null> {
    return this.findOne(
      { targetTable: WEBHOOK_TABLE, state: 'approved' },
      { orderBy: { approvedAt: 'asc', id: 'asc' } },
    );
  }

  async requestStop(id: number, by: string, now: Date): Promise<boolean> {
    return this.update({ id, state: 'running', stopRequestedBy: null }, { stopRequestedBy: by, stopRequestedAt: now });
  }

  async setPause(id: number, by: string | null, now: Date): Promise<boolean> {
    return this.update({ id, state: 'running' }, { pausedBy: by, pausedAt: by ? now : null });
  }

  async control(id: number): Promise<RunControl | null> {
    const row = await this.run((em) =>
      em.findOne(
        PurgeRequest,
        { id },
        { fields: ['state', 'runnerId', 'stopRequestedBy', 'pausedBy', 'pausedAt'], disableIdentityMap: true },
      ),
    );
    return row
      ? {
          state: row.state,
          runnerId: row.runnerId ?? null,
          stopRequestedBy: row.stopRequestedBy ?? null,
          pausedBy: row.pausedBy ?? null,
          pausedAt: row.pausedAt ?? null,
        }
      : null;
  }

  async heartbeat(id: number, runnerId: string): Promise<'alive' | 'recovered' | 'lost'> {
    // The database's clock, so replicas with skewed clocks agree on what is stale. The row lock of the
    // select makes "was it marked not responding" and the clearing of that mark one step.
    const rows = await this.run((em) =>
      em.execute<{ recovered: boolean }[]>(
        `with before as (select id, unresponsive_since is not null as recovered from "${REQUEST_TABLE}"
                         where id = ? and state = 'running' and runner_id = ? for update)
         update "${REQUEST_TABLE}" r set heartbeat_at = now(), unresponsive_since = null
         from before where r.id = before.id returning before.recovered`,
        [id, runnerId],
      ),
    );
    const row = rows[0];
    return row === undefined ? 'lost' : row.recovered ? 'recovered' : 'alive';
  }

  async markUnresponsive(silentMs: number): Promise<PurgeRequestRecord[]> {
    const rows = await this.run((em) =>
      em.execute<{ id: number }[]>(
        `update "${REQUEST_TABLE}" r set unresponsive_since = now(), updated_at = now()
         where state = 'running' and unresponsive_since is null and heartbeat_at < now() - make_interval(secs => ?)
           and not ${LIVENESS_HELD}
         returning id`,
        [silentMs / 1_000, RUN_LOCK_KEY],
      ),
    );
    return Promise.all(rows.map((row) => this.require(row.id)));
  }

  async recordRepost(channelId: string, messageTs: string, repostTs: string): Promise<void> {
    await this.run((em) =>
      em.nativeUpdate(PurgeRequest, { channelId, messageTs }, { repostedTs: repostTs, updatedAt: new Date() }),
    );
  }

  async repostOf(channelId: string, messageTs: string): Promise<string | null> {
    const row = await this.run((em) =>
      em.findOne(PurgeRequest, { channelId, messageTs }, { fields: ['repostedTs'], disableIdentityMap: true }),
    );
    return row?.repostedTs ?? null;
  }

  /**
   * A stale heartbeat alone does not make a run dead: a starved process (a full pool, a slow
   * database) still holds its run's advisory lock, and PostgreSQL frees that lock the moment the
   * process's session ends. Dead: heartbeat stale and lock free. A process that holds the lock but has
   * been silent for ten times the limit is hung, and is declared dead too.
   */
  async interruptStale(staleAfterMs: number, hungAfterMs = staleAfterMs * 10): Promise<PurgeRequestRecord[]> {
    const rows = await this.run((em) =>
      em.execute<{ id: number }[]>(
        `update "${REQUEST_TABLE}" r set state = 'interrupted', updated_at = now(),
           unresponsive_since = null,
           error = 'the process running it stopped (it crashed, was killed, or lost its database connection)'
         where state = 'running' and heartbeat_at < now() - make_interval(secs => ?)
           and (heartbeat_at < now() - make_interval(secs => ?) or not ${LIVENESS_HELD})
         returning id`,
        [staleAfterMs / 1_000, hungAfterMs / 1_000, RUN_LOCK_KEY],
      ),
    );
    return Promise.all(rows.map((row) => this.require(row.id)));
  }

  async finish(id: number, runnerId: string, result: RunResult, now: Date): Promise<PurgeRequestRecord | null> {
    const mine = await this.update(
      { id, state: 'running', runnerId },
      {
        state: result.state,
        finishedAt: result.state === 'interrupted' ? null : now,
        heartbeatAt: now,
        deletedCount: result.position.deleted,
        batchesDone: result.position.batches,
        lastDeletedId: result.position.lastId,
        methodUsed: result.methodUsed,
        fallbackReason: result.fallbackReason,
        error: result.error,
        pausedBy: null,
        unresponsiveSince: null,
        activeMs: raw('active_ms + ?', [Math.round(result.activeMs)]),
      },
    );
    return mine ? this.require(id) : null;
  }

  /**
   * Moves a request to running for `runnerId`, with a fresh heartbeat in the same UPDATE so no
   * janitor can find it stale in between. The partial unique index on running requests makes
   * PostgreSQL refuse a second one on the same table: that is `busy`.
   */
  private async claimRunner<T extends string>(
    where: Where,
    runnerId: string,
    extra: Partial<Row>,
    otherwise: T,
  ): Promise<'started' | 'busy' | T> {
    try {
      const claimed = await this.update(where, { state: 'running', runnerId, heartbeatAt: raw('now()'), ...extra });
      return claimed ? 'started' : otherwise;
    } catch (error) {
      if (error instanceof DatabaseError && error.sqlState === '23505') return 'busy';
      throw error;
    }
  }

  private async findOne(
    where: Where,
    options: { orderBy?: Record<string, 'asc' | 'desc'> } = {},
  ): Promise<PurgeRequestRecord | null> {
    const row = await this.run((em) =>
      em.findOne(PurgeRequest, where as never, { disableIdentityMap: true, ...(options as object) }),
    );
    return row ? toRecord(row) : null;
  }

  private async require(id: number): Promise<PurgeRequestRecord> {
    const record = await this.get(id);
    if (!record) throw new Error(`request ${id} is not in the ledger`);
    return record;
  }

  private async update(where: Where, data: Partial<Row>): Promise<boolean> {
    const affected = await this.run((em) =>
      em.nativeUpdate(PurgeRequest, where as never, { ...data, updatedAt: new Date() }),
    );
    return affected === 1;
  }

  private run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return withDbErrors(() => work(this.em.fork()));
  }
}
