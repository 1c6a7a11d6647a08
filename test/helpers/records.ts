import type { Plan } from '../../src/domain/plan/plan.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { BatchSettings } from '../../src/domain/run/batch-loop.js';
import type { Target } from '../../src/domain/wording/sentences.js';

/** Fixed records for renderer and rule tests: every field set, each test overriding what it is about. */

export const AT = new Date('2026-11-28T17:42:06Z');

export const TARGET: Target = { database: 'django on db:5432', name: 'django', host: 'db:5432', environment: null };

export function samplePlan(overrides: Partial<Plan> = {}): Plan {
  return {
    status: 'PENDING',
    summary: {
      rows: [
        { status: 'DONE', count: 480_000 },
        { status: 'PENDING', count: 400_000 },
      ],
      total: 880_000,
    },
    matching: 400_000,
    watermark: 1_000_000,
    firstId: 600_001,
    snapshot: '1000:1000:',
    cutoff: null,
    kept: 0,
    limit: null,
    overCap: null,
    replicaLagHidden: false,
    oldest: AT,
    newest: AT,
    newestPending: null,
    method: 'batch',
    methodReason: '400,000 rows is over 50,000, so batches of short transactions keep the locks brief',
    batchSize: 10_000,
    batches: 40,
    estimatedMs: 4_400,
    plannedAt: AT,
    undo: { kind: 'none', forbidden: false },
    ...overrides,
  };
}

export function sampleRequest(overrides: Partial<PurgeRequestRecord> = {}): PurgeRequestRecord {
  return {
    id: 42,
    state: 'running',
    source: 'slack',
    kind: 'purge',
    restoreOf: null,
    skipped: 0,
    plan: samplePlan(),
    force: false,
    useCursor: false,
    requesterId: 'U1',
    reason: null,
    policy: null,
    policySlot: null,
    teamId: 'T1',
    channelId: 'C1',
    messageTs: '1.2',
    repostedTs: null,
    createdAt: AT,
    expiresAt: new Date(AT.getTime() + 15 * 60_000),
    approverId: 'U2',
    approvedAt: AT,
    selfApproved: false,
    decidedBy: null,
    decidedAt: null,
    stopRequestedBy: null,
    pausedBy: null,
    runnerId: 'host:1:a1b2c3',
    startedAt: AT,
    heartbeatAt: AT,
    unresponsiveSince: null,
    finishedAt: null,
    activeMs: 0,
    position: { deleted: 0, batches: 0, lastId: null },
    methodUsed: null,
    fallbackReason: null,
    error: null,
    ...overrides,
  };
}

/** Batch settings with no ceiling, pause or retry: a run as fast as its statements. */
export const UNPACED: BatchSettings = {
  maxRowsPerSecond: 0,
  batchPauseMs: 0,
  batchPausePercent: 0,
  batchTimeouts: { statementMs: 5_000, lockMs: 2_000 },
  nativeTimeouts: { statementMs: 5_000, lockMs: 2_000 },
  targetBatchMs: 10_000,
  minBatchSize: 1,
  lockRetries: 0,
  connectionRetries: 0,
};
