import type { InferEntity, RequiredEntityData } from '@mikro-orm/core';
import { plannedBatches, type PlanCutoff } from '../domain/plan/plan.js';
import type { PurgeMethod } from '../domain/ports.js';
import type { NewPurgeRequest, PurgeRequestRecord } from '../domain/request/request.js';
import type { StatusFilter } from '../domain/plan/webhook-statuses.js';
import { WEBHOOK_TABLE } from './tables.js';
import type { PurgeRequest } from './entities/purge-request.js';

export type PurgeRequestRow = InferEntity<typeof PurgeRequest>;

/** The ledger row for a new request: the plan a person will approve, awaiting approval. */
export function newRequestRow(request: NewPurgeRequest, now: Date): RequiredEntityData<PurgeRequestRow> {
  const { plan } = request;
  return {
    createdAt: now,
    updatedAt: now,
    source: request.source,
    kind: request.kind ?? 'purge',
    restoreOf: request.restoreOf ?? null,
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
    planSnapshot: plan.snapshot,
    cutoffBefore: plan.cutoff?.before ?? null,
    cutoffAppliesTo: plan.cutoff?.appliesTo ?? null,
    cutoffAgeS: plan.cutoff ? Math.round(plan.cutoff.ageMs / 1_000) : null,
    cutoffSource: plan.cutoff?.source ?? null,
    keptCount: plan.kept,
    rowLimit: plan.limit,
    overCap: plan.overCap,
    archive: plan.undo.kind === 'archive',
    archiveDays: plan.undo.kind === 'archive' ? plan.undo.days : null,
    archiveBytes: plan.undo.kind === 'archive' ? plan.undo.bytes : null,
    estimatedMs: plan.estimatedMs,
    matchingCount: plan.matching,
    totalCount: plan.summary.total,
    statusCounts: plan.summary.rows,
    oldestCreatedAt: plan.oldest,
    newestCreatedAt: plan.newest,
    plannedAt: plan.plannedAt,
    expiresAt: request.expiresAt,
    requesterId: request.requesterId,
    reason: request.reason ?? null,
    policy: request.policy ?? null,
    policySlot: request.policySlot ?? null,
    teamId: request.teamId,
    channelId: request.channelId,
    selfApproved: false,
    deletedCount: 0,
    batchesDone: 0,
  };
}

export function toRecord(row: PurgeRequestRow): PurgeRequestRecord {
  const method = row.method as PurgeMethod;
  const [firstId, watermark] = [row.firstId ?? null, row.watermark ?? null];
  return {
    id: row.id,
    state: row.state,
    source: row.source as PurgeRequestRecord['source'],
    kind: row.kind === 'restore' ? 'restore' : 'purge',
    restoreOf: row.restoreOf ?? null,
    skipped: row.skippedCount,
    plan: {
      status: row.statusFilter as StatusFilter,
      summary: { rows: row.statusCounts, total: row.totalCount },
      matching: row.matchingCount,
      watermark,
      firstId,
      snapshot: row.planSnapshot ?? null,
      cutoff: cutoffOf(row),
      kept: row.keptCount,
      limit: row.rowLimit ?? null,
      replicaLagHidden: false,
      overCap: row.overCap ?? null,
      oldest: row.oldestCreatedAt ?? null,
      newest: row.newestCreatedAt ?? null,
      // Only the preview warns about live PENDING rows; the ledger keeps no per-status ages for ALL.
      newestPending: row.statusFilter === 'PENDING' ? (row.newestCreatedAt ?? null) : null,
      method,
      methodReason: row.methodReason,
      batchSize: row.batchSize,
      batches: plannedBatches({ method, matching: row.matchingCount, batchSize: row.batchSize }),
      estimatedMs: row.estimatedMs,
      plannedAt: row.plannedAt,
      undo: row.archive
        ? { kind: 'archive', days: row.archiveDays ?? 0, bytes: row.archiveBytes ?? null }
        : { kind: 'none', forbidden: false },
    },
    force: row.force,
    useCursor: row.useCursor,
    requesterId: row.requesterId,
    reason: row.reason ?? null,
    policy: row.policy ?? null,
    policySlot: row.policySlot ?? null,
    teamId: row.teamId ?? null,
    channelId: row.channelId ?? null,
    messageTs: row.messageTs ?? null,
    repostedTs: row.repostedTs ?? null,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? null,
    approverId: row.approverId ?? null,
    approvedAt: row.approvedAt ?? null,
    selfApproved: row.selfApproved,
    decidedBy: row.decidedBy ?? null,
    decidedAt: row.decidedAt ?? null,
    stopRequestedBy: row.stopRequestedBy ?? null,
    pausedBy: row.pausedBy ?? null,
    runnerId: row.runnerId ?? null,
    startedAt: row.startedAt ?? null,
    heartbeatAt: row.heartbeatAt ?? null,
    unresponsiveSince: row.unresponsiveSince ?? null,
    finishedAt: row.finishedAt ?? null,
    activeMs: row.activeMs,
    position: { deleted: row.deletedCount, batches: row.batchesDone, lastId: row.lastDeletedId ?? null },
    methodUsed: row.methodUsed ?? null,
    fallbackReason: row.fallbackReason ?? null,
    error: row.error ?? null,
  };
}

function cutoffOf(row: PurgeRequestRow): PlanCutoff | null {
  if (!row.cutoffBefore) return null;
  return {
    before: row.cutoffBefore,
    appliesTo: row.cutoffAppliesTo === 'all' ? 'all' : 'PENDING',
    ageMs: (row.cutoffAgeS ?? 0) * 1_000,
    source: row.cutoffSource === 'older-than' ? 'older-than' : 'pending-min-age',
  };
}
