import type {
  AgeCutoff,
  BatchRequest,
  Census,
  Checkpoint,
  HealthProbe,
  NativeDeleteRequest,
  StatusCensus,
  WebhookQueue,
} from '../../src/domain/ports.js';
import type { StatusFilter } from '../../src/domain/plan/webhook-statuses.js';
import type { NewPurgeRequest, PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { RequestState } from '../../src/domain/request/request-states.js';
import type { RequestLedger, RunControl, RunResult } from '../../src/domain/run-ports.js';
import { LostOwnershipError } from '../../src/errors.js';
import { sampleRequest } from './records.js';

/**
 * The domain's ports in memory, for specification tests of the request runner: the same contracts
 * as the PostgreSQL adapters (every state change a compare-and-set, one running request per table,
 * a batch that commits with the run's position only while its runner owns the request), with none
 * of their I/O. The adapters' own tests run against PostgreSQL (test/db).
 */
export class MemoryLedger implements RequestLedger {
  readonly rows = new Map<number, PurgeRequestRecord>();
  readonly pausedAt = new Map<number, Date | null>();
  private readonly queuedBehind = new Map<number, number | null>();
  private nextId = 1;

  create(request: NewPurgeRequest): Promise<PurgeRequestRecord> {
    const record = sampleRequest({
      ...request,
      id: this.nextId++,
      state: 'awaiting_approval',
      kind: request.kind ?? 'purge',
      restoreOf: request.restoreOf ?? null,
      reason: request.reason ?? null,
      policy: request.policy ?? null,
      policySlot: request.policySlot ?? null,
      messageTs: null,
      createdAt: new Date(),
      approverId: null,
      approvedAt: null,
      runnerId: null,
      startedAt: null,
      heartbeatAt: null,
      position: { deleted: 0, batches: 0, lastId: null },
    });
    this.rows.set(record.id, record);
    return Promise.resolve({ ...record });
  }

  remove(id: number): Promise<void> {
    this.rows.delete(id);
    return Promise.resolve();
  }

  attachMessage(id: number, channelId: string, messageTs: string): Promise<void> {
    this.update(id, () => true, { channelId, messageTs });
    return Promise.resolve();
  }

  get(id: number): Promise<PurgeRequestRecord | null> {
    const row = this.rows.get(id);
    return Promise.resolve(row ? { ...row, position: { ...row.position } } : null);
  }

  approve(id: number, approverId: string, selfApproved: boolean, now: Date): Promise<boolean> {
    return this.cas(id, (row) => row.state === 'awaiting_approval' && (!row.expiresAt || row.expiresAt > now), {
      state: 'approved',
      approverId,
      selfApproved,
      approvedAt: now,
    });
  }

  cancel(id: number, by: string, now: Date): Promise<boolean> {
    return this.cas(id, (row) => ['awaiting_approval', 'approved'].includes(row.state), {
      state: 'cancelled',
      decidedBy: by,
      decidedAt: now,
    });
  }

  expireDue(now: Date): Promise<PurgeRequestRecord[]> {
    const due = [...this.rows.values()].filter(
      (row) => row.state === 'awaiting_approval' && row.expiresAt !== null && row.expiresAt <= now,
    );
    for (const row of due) this.update(row.id, () => true, { state: 'expired', decidedAt: now });
    return Promise.all(due.map((row) => this.get(row.id))).then((rows) => rows.filter((row) => row !== null));
  }

  start(id: number, runnerId: string): Promise<'started' | 'busy' | 'not-approved'> {
    if (this.rows.get(id)?.state !== 'approved') return Promise.resolve('not-approved');
    if (this.runningRow()) return Promise.resolve('busy');
    this.update(id, () => true, { state: 'running', runnerId, startedAt: new Date(), heartbeatAt: new Date() });
    return Promise.resolve('started');
  }

  resume(id: number, runnerId: string): Promise<'started' | 'busy' | 'not-resumable'> {
    if (!['stopped', 'interrupted', 'failed'].includes(this.rows.get(id)?.state ?? '')) {
      return Promise.resolve('not-resumable');
    }
    if (this.runningRow()) return Promise.resolve('busy');
    this.update(id, () => true, {
      state: 'running',
      runnerId,
      stopRequestedBy: null,
      pausedBy: null,
      heartbeatAt: new Date(),
      finishedAt: null,
    });
    return Promise.resolve('started');
  }

  markQueued(id: number, behindId: number | null): Promise<boolean> {
    if (this.queuedBehind.has(id) && this.queuedBehind.get(id) === behindId) return Promise.resolve(false);
    this.queuedBehind.set(id, behindId);
    return Promise.resolve(true);
  }

  running(): Promise<PurgeRequestRecord | null> {
    const row = this.runningRow();
    return row ? this.get(row.id) : Promise.resolve(null);
  }

  list(limit: number, states?: readonly RequestState[]): Promise<PurgeRequestRecord[]> {
    const rows = [...this.rows.values()]
      .filter((row) => !states || states.includes(row.state))
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
    return Promise.all(rows.map((row) => this.get(row.id))).then((found) => found.filter((row) => row !== null));
  }

  nextQueued(): Promise<PurgeRequestRecord | null> {
    const [oldest] = [...this.rows.values()].filter((row) => row.state === 'approved').sort((a, b) => a.id - b.id);
    return oldest ? this.get(oldest.id) : Promise.resolve(null);
  }

  requestStop(id: number, by: string): Promise<boolean> {
    return this.cas(id, (row) => row.state === 'running' && !row.stopRequestedBy, { stopRequestedBy: by });
  }

  setPause(id: number, by: string | null, now: Date): Promise<boolean> {
    this.pausedAt.set(id, by ? now : null);
    return this.cas(id, (row) => row.state === 'running' && (by ? !row.pausedBy : row.pausedBy !== null), {
      pausedBy: by,
    });
  }

  control(id: number): Promise<RunControl | null> {
    const row = this.rows.get(id);
    return Promise.resolve(
      row
        ? {
            state: row.state,
            runnerId: row.runnerId,
            stopRequestedBy: row.stopRequestedBy,
            pausedBy: row.pausedBy,
            pausedAt: this.pausedAt.get(id) ?? null,
          }
        : null,
    );
  }

  heartbeat(id: number, runnerId: string): Promise<'alive' | 'recovered' | 'lost'> {
    const row = this.rows.get(id);
    if (!row || row.state !== 'running' || row.runnerId !== runnerId) return Promise.resolve('lost');
    const recovered = row.unresponsiveSince !== null;
    this.update(id, () => true, { heartbeatAt: new Date(), unresponsiveSince: null });
    return Promise.resolve(recovered ? 'recovered' : 'alive');
  }

  markUnresponsive(): Promise<PurgeRequestRecord[]> {
    return Promise.resolve([]);
  }

  interruptStale(): Promise<PurgeRequestRecord[]> {
    return Promise.resolve([]);
  }

  recordRepost(): Promise<void> {
    return Promise.resolve();
  }

  repostOf(): Promise<string | null> {
    return Promise.resolve(null);
  }

  finish(id: number, runnerId: string, result: RunResult, now: Date): Promise<PurgeRequestRecord | null> {
    const done = this.update(id, (row) => row.state === 'running' && row.runnerId === runnerId, {
      state: result.state,
      position: result.position,
      methodUsed: result.methodUsed,
      fallbackReason: result.fallbackReason,
      error: result.error,
      finishedAt: now,
    });
    return done ? this.get(id) : Promise.resolve(null);
  }

  /** A batch's commit: the run's position moves only while `checkpoint`'s runner owns the request. */
  checkpoint({ requestId, runnerId }: Checkpoint, deleted: number, lastId: number): void {
    const row = this.rows.get(requestId);
    if (!row || row.state !== 'running' || row.runnerId !== runnerId) {
      throw new LostOwnershipError(
        `request #${requestId} is ${row?.state ?? 'gone'} (${row?.runnerId ?? 'no runner'})`,
      );
    }
    row.position = { deleted: row.position.deleted + deleted, batches: row.position.batches + 1, lastId };
    row.heartbeatAt = new Date();
  }

  private runningRow(): PurgeRequestRecord | undefined {
    return [...this.rows.values()].find((row) => row.state === 'running');
  }

  private cas(
    id: number,
    when: (row: PurgeRequestRecord) => boolean,
    change: Partial<PurgeRequestRecord>,
  ): Promise<boolean> {
    return Promise.resolve(this.update(id, when, change));
  }

  private update(id: number, when: (row: PurgeRequestRecord) => boolean, change: Partial<PurgeRequestRecord>): boolean {
    const row = this.rows.get(id);
    if (!row || !when(row)) return false;
    Object.assign(row, change);
    return true;
  }
}

interface MemoryRow {
  id: number;
  status: string;
  createdAt: Date;
}

/** The webhook table in memory; its deletes commit with the run's position in a MemoryLedger. */
export class MemoryQueue implements WebhookQueue {
  readonly rows = new Map<number, MemoryRow>();
  /** Called before each batch deletes: a test's way into the moment between a run's batches. */
  beforeBatch: ((request: BatchRequest) => void) | null = null;

  constructor(private readonly ledger: MemoryLedger) {}

  add(statuses: readonly string[], createdAt = new Date(Date.now() - 86_400_000)): number[] {
    const start = Math.max(0, ...this.rows.keys()) + 1;
    return statuses.map((status, index) => {
      const id = start + index;
      this.rows.set(id, { id, status, createdAt });
      return id;
    });
  }

  ids(): number[] {
    return [...this.rows.keys()].sort((a, b) => a - b);
  }

  census(cutoff: AgeCutoff | null): Promise<Census> {
    const byStatus = new Map<string, MemoryRow[]>();
    for (const row of this.rows.values()) byStatus.set(row.status, [...(byStatus.get(row.status) ?? []), row]);
    const statuses: StatusCensus[] = [...byStatus].map(([status, rows]) => {
      const ids = rows.map((row) => row.id);
      const times = rows.map((row) => row.createdAt.getTime());
      const eligible = rows.filter((row) => !this.young(row, cutoff));
      const eligibleIds = eligible.map((row) => row.id);
      return {
        status,
        count: rows.length,
        minId: Math.min(...ids),
        maxId: Math.max(...ids),
        oldest: new Date(Math.min(...times)),
        newest: new Date(Math.max(...times)),
        young: rows.length - eligible.length,
        eligibleMinId: eligible.length ? Math.min(...eligibleIds) : null,
        eligibleMaxId: eligible.length ? Math.max(...eligibleIds) : null,
        eligibleNewest: eligible.length ? new Date(Math.max(...eligible.map((row) => row.createdAt.getTime()))) : null,
      };
    });
    return Promise.resolve({ statuses, snapshot: null, cutoff });
  }

  firstRows(request: {
    status: StatusFilter;
    fromId: number;
    toId: number;
    n: number;
    cutoff: AgeCutoff | null;
  }): Promise<{ lastId: number; newest: Date } | null> {
    const rows = this.matching(request.status, request.fromId, request.toId, request.cutoff).slice(0, request.n);
    const last = rows.at(-1);
    if (!last || rows.length < request.n) return Promise.resolve(null);
    return Promise.resolve({
      lastId: last.id,
      newest: new Date(Math.max(...rows.map((row) => row.createdAt.getTime()))),
    });
  }

  deleteBatch(request: BatchRequest): Promise<number> {
    this.beforeBatch?.(request);
    return this.deleteRows(
      this.matching(request.status, request.fromId, request.toId, request.cutoff),
      request.toId,
      request.checkpoint,
    );
  }

  deleteAll(request: NativeDeleteRequest): Promise<number> {
    return this.deleteRows(
      this.matching(request.status, 1, request.watermark, request.cutoff),
      request.watermark,
      request.checkpoint,
    );
  }

  private deleteRows(rows: MemoryRow[], lastId: number, checkpoint: Checkpoint | undefined): Promise<number> {
    // A throw here rejects: ownership is checked first, so a runner that lost its request deletes nothing.
    return new Promise((resolve) => {
      if (checkpoint) this.ledger.checkpoint(checkpoint, rows.length, lastId);
      for (const row of rows) this.rows.delete(row.id);
      resolve(rows.length);
    });
  }

  private matching(status: StatusFilter, fromId: number, toId: number, cutoff: AgeCutoff | null): MemoryRow[] {
    return [...this.rows.values()]
      .filter((row) => row.id >= fromId && row.id <= toId)
      .filter((row) => status === 'ALL' || row.status === status)
      .filter((row) => !this.young(row, cutoff))
      .sort((a, b) => a.id - b.id);
  }

  private young(row: MemoryRow, cutoff: AgeCutoff | null): boolean {
    if (!cutoff || (cutoff.appliesTo === 'PENDING' && row.status !== 'PENDING')) return false;
    return row.createdAt >= cutoff.before;
  }
}

/** A database in good health: no VACUUM, no replicas. */
export const HEALTHY: HealthProbe = {
  vacuumRunning: () => Promise.resolve(false),
  replicas: () => Promise.resolve([]),
};
