import { defineEntity, p } from '@mikro-orm/core';
import { REQUEST_STATES } from '../../domain/request/request-states.js';

import { REQUEST_TABLE } from '../tables.js';

/**
 * The ledger: one row per request, holding its parameters, the plan that was approved, who asked
 * and who approved, where its Slack message is, the run's position and its result.
 */
export const PurgeRequest = defineEntity({
  name: 'PurgeRequest',
  tableName: REQUEST_TABLE,
  // One runner per table, across processes and replicas: PostgreSQL refuses a second running request.
  uniques: [
    {
      name: 'clear_telemetry_request_one_running',
      expression: `create unique index "clear_telemetry_request_one_running" on "${REQUEST_TABLE}" ("target_table") where "state" = 'running'`,
    },
  ],
  properties: {
    id: p.integer().primary().autoincrement(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    source: p.string(),
    /** A purge, or a restore of an archived purge's rows (`restoreOf`). */
    kind: p.string().default('purge'),
    restoreOf: p.integer().nullable(),
    targetTable: p.string(),
    state: p.enum([...REQUEST_STATES]),

    statusFilter: p.string(),
    batchSize: p.integer(),
    useCursor: p.boolean(),
    force: p.boolean(),

    method: p.string(),
    methodReason: p.text(),
    watermark: p.integer().nullable(),
    firstId: p.integer().nullable(),
    planSnapshot: p.text().nullable(),
    cutoffBefore: p.datetime().nullable(),
    cutoffAppliesTo: p.string().nullable(),
    cutoffAgeS: p.integer().nullable(),
    cutoffSource: p.string().nullable(),
    keptCount: p.integer().default(0),
    rowLimit: p.integer().nullable(),
    overCap: p.integer().nullable(),
    /** Each batch moves its rows into clear_telemetry_archive in the same statement (`--archive`). */
    archive: p.boolean().default(false),
    /** How long the archive stays restorable, as the preview promised. */
    archiveDays: p.integer().nullable(),
    archiveBytes: p.bigint('number').nullable(),
    estimatedMs: p.integer().default(0),
    matchingCount: p.integer(),
    totalCount: p.integer(),
    statusCounts: p.json<{ status: string; count: number }[]>(),
    oldestCreatedAt: p.datetime().nullable(),
    newestCreatedAt: p.datetime().nullable(),
    plannedAt: p.datetime(),
    expiresAt: p.datetime().nullable(),

    requesterId: p.string(),
    /** Why it was asked for (`--reason`): user text, escaped wherever it is shown. */
    reason: p.text().nullable(),
    /** The retention policy that made it, and the scheduled slot it is for. */
    policy: p.string().nullable(),
    policySlot: p.datetime().nullable(),
    teamId: p.string().nullable(),
    channelId: p.string().nullable(),
    messageTs: p.string().nullable(),
    /** The message posted in its place when the original could no longer be edited: its buttons count as the request's. */
    repostedTs: p.string().nullable(),

    approverId: p.string().nullable(),
    approvedAt: p.datetime().nullable(),
    selfApproved: p.boolean().default(false),
    decidedBy: p.string().nullable(),
    decidedAt: p.datetime().nullable(),
    stopRequestedBy: p.string().nullable(),
    stopRequestedAt: p.datetime().nullable(),
    pausedBy: p.string().nullable(),
    pausedAt: p.datetime().nullable(),

    /** The request this one was last reported queued behind (0: a run the ledger cannot name). */
    queuedBehind: p.integer().nullable(),
    runnerId: p.string().nullable(),
    startedAt: p.datetime().nullable(),
    heartbeatAt: p.datetime().nullable(),
    /** Since when a running request's process has not answered (liveness lock free, heartbeat silent); null while it does. */
    unresponsiveSince: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    deletedCount: p.integer().default(0),
    /** A restore's rows whose id was taken again since the purge: left in the archive, not restored. */
    skippedCount: p.integer().default(0),
    /** Milliseconds spent deleting, summed over every start and resume. */
    activeMs: p.integer().default(0),
    batchesDone: p.integer().default(0),
    lastDeletedId: p.integer().nullable(),
    methodUsed: p.string().nullable(),
    fallbackReason: p.text().nullable(),
    error: p.text().nullable(),
  },
});
