import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { countBatches, type PurgeMethod } from '../domain/plan.js';
import type { RequestLedger, RunResult } from '../domain/ports.js';
import type { PurgePosition } from '../domain/purge.js';
import type { NewPurgeRequest, PurgeRequestRecord } from '../domain/request.js';
import type { StatusFilter } from '../domain/statuses.js';
import { WEBHOOK_TABLE } from './entities/learnpack-webhook.js';
import { PurgeRequest } from './entities/purge-request.js';
import { withDbErrors } from './db-errors.js';

type Row = InferEntity<typeof PurgeRequest>;

/**
 * The request ledger in PostgreSQL. Every state change is a conditional UPDATE (compare-and-set on
 * the state) whose affected row count says whether this caller won, so two clicks, or two replicas,
 * can never both move a request forward.
 */
export class MikroRequestLedger implements RequestLedger {
  constructor(private readonly em: EntityManager) {}

  async create(request: NewPurgeRequest): Promise<PurgeRequestRecord> {
    const { plan } = request;
    const now = new Date();
    const id = await this.run((em) =>
      em.insert(PurgeRequest, {
        createdAt: now,
        updatedAt: now,
        source: request.source,
        targetTable: WEBHOOK_TABLE,
        state: 'awaiting_approval',
        statusFilter: plan.status,
        batchSize: plan.batchSize,
        useCursor: request.useCursor,
        force: request.force,
        method: plan.method,
        methodReason: plan.methodReason,
        watermark: plan.watermark,
        firstId: plan.firstId,
        estimatedMs: plan.estimatedMs,
        matchingCount: plan.matching,
        totalCount: plan.summary.total,
        statusCounts: plan.summary.rows,
        oldestCreatedAt: plan.oldest,
        newestCreatedAt: plan.newest,
        plannedAt: plan.plannedAt,
        expiresAt: request.expiresAt,
        requesterId: request.requesterId,
        teamId: request.teamId,
        channelId: request.channelId,
        selfApproved: false,
        deletedCount: 0,
        batchesDone: 0,
      }),
    );
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
    return this.update({ id, state: 'awaiting_approval' }, { state: 'cancelled', decidedBy: by, decidedAt: now });
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

  async start(id: number, runnerId: string, now: Date): Promise<boolean> {
    return this.update({ id, state: 'approved' }, { state: 'running', runnerId, startedAt: now, heartbeatAt: now });
  }

  async recordProgress(id: number, position: PurgePosition, now: Date): Promise<void> {
    await this.update(
      { id, state: 'running' },
      { heartbeatAt: now, deletedCount: position.deleted, batchesDone: position.batches, lastDeletedId: position.lastId },
    );
  }

  async finish(id: number, result: RunResult, now: Date): Promise<PurgeRequestRecord> {
    await this.update(
      { id, state: 'running' },
      {
        state: result.state,
        finishedAt: now,
        heartbeatAt: now,
        deletedCount: result.position.deleted,
        batchesDone: result.position.batches,
        lastDeletedId: result.position.lastId,
        methodUsed: result.methodUsed,
        fallbackReason: result.fallbackReason,
        error: result.error,
      },
    );
    return this.require(id);
  }

  private async require(id: number): Promise<PurgeRequestRecord> {
    const record = await this.get(id);
    if (!record) throw new Error(`request ${id} is not in the ledger`);
    return record;
  }

  private async update(where: Parameters<EntityManager['nativeUpdate']>[1], data: Partial<Row>): Promise<boolean> {
    const affected = await this.run((em) => em.nativeUpdate(PurgeRequest, where as never, { ...data, updatedAt: new Date() }));
    return affected === 1;
  }

  private run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return withDbErrors(() => work(this.em.fork()));
  }
}

function toRecord(row: Row): PurgeRequestRecord {
  return {
    id: row.id,
    state: row.state,
    source: row.source as PurgeRequestRecord['source'],
    plan: {
      status: row.statusFilter as StatusFilter,
      summary: { rows: row.statusCounts, total: row.totalCount },
      matching: row.matchingCount,
      watermark: row.watermark ?? null,
      firstId: row.firstId ?? null,
      oldest: row.oldestCreatedAt ?? null,
      newest: row.newestCreatedAt ?? null,
      method: row.method as PurgeMethod,
      methodReason: row.methodReason,
      batchSize: row.batchSize,
      batches: row.method === 'native' ? Math.min(1, row.matchingCount) : countBatches(row.firstId ?? null, row.watermark ?? null, row.batchSize),
      estimatedMs: row.estimatedMs,
      plannedAt: row.plannedAt,
    },
    force: row.force,
    useCursor: row.useCursor,
    requesterId: row.requesterId,
    teamId: row.teamId ?? null,
    channelId: row.channelId ?? null,
    messageTs: row.messageTs ?? null,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? null,
    approverId: row.approverId ?? null,
    approvedAt: row.approvedAt ?? null,
    selfApproved: row.selfApproved,
    decidedBy: row.decidedBy ?? null,
    decidedAt: row.decidedAt ?? null,
    stopRequestedBy: row.stopRequestedBy ?? null,
    runnerId: row.runnerId ?? null,
    startedAt: row.startedAt ?? null,
    heartbeatAt: row.heartbeatAt ?? null,
    finishedAt: row.finishedAt ?? null,
    position: { deleted: row.deletedCount, batches: row.batchesDone, lastId: row.lastDeletedId ?? null },
    methodUsed: row.methodUsed ?? null,
    fallbackReason: row.fallbackReason ?? null,
    error: row.error ?? null,
  };
}
