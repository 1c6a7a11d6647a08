import type { PurgeOutcome, PurgePosition, PurgeProgress } from './purge.js';
import type { NewPurgeRequest, PurgeRequestRecord } from './request.js';
import type { StatusFilter } from './statuses.js';

/**
 * The small interfaces the domain needs from the database. The MikroORM adapter in src/db
 * implements them; the domain never sees the ORM or SQL.
 */

/** One status as the table holds it right now. Statuses outside Django's choices appear too. */
export interface StatusCensus {
  status: string;
  count: number;
  minId: number;
  maxId: number;
  oldest: Date;
  newest: Date;
}

/** Per-transaction limits, set with `SET LOCAL` semantics so they never leak to other work. */
export interface Timeouts {
  statementMs: number;
  lockMs: number;
}

/** One batch: the matching rows whose ids lie in `fromId..toId` (both inclusive, never above the watermark). */
export interface BatchRequest {
  status: StatusFilter;
  fromId: number;
  toId: number;
  timeouts: Timeouts;
}

export interface NativeDeleteRequest {
  status: StatusFilter;
  watermark: number;
  timeouts: Timeouts;
}

export interface WebhookQueue {
  /** Counts per status in one grouped query (one snapshot). */
  census(): Promise<StatusCensus[]>;
  /** Deletes one id range in its own short transaction; returns how many rows it deleted. */
  deleteBatch(request: BatchRequest): Promise<number>;
  /** Deletes every matching row up to the watermark in one statement. */
  deleteAll(request: NativeDeleteRequest): Promise<number>;
}

/** How a run ended, as the ledger records it. */
export interface RunResult {
  state: 'succeeded' | 'failed' | 'stopped';
  position: PurgePosition;
  methodUsed: string;
  fallbackReason: string | null;
  error: string | null;
}

/** The request ledger. State changes are compare-and-set: `false` means someone else got there first. */
export interface RequestLedger {
  create(request: NewPurgeRequest): Promise<PurgeRequestRecord>;
  remove(id: number): Promise<void>;
  attachMessage(id: number, channelId: string, messageTs: string): Promise<void>;
  get(id: number): Promise<PurgeRequestRecord | null>;
  /** awaiting_approval -> approved, if not expired at `now`. */
  approve(id: number, approverId: string, selfApproved: boolean, now: Date): Promise<boolean>;
  /** awaiting_approval -> cancelled. */
  cancel(id: number, by: string, now: Date): Promise<boolean>;
  /** awaiting_approval -> expired for every request past its expiry; returns those this call expired. */
  expireDue(now: Date): Promise<PurgeRequestRecord[]>;
  /** approved -> running. */
  start(id: number, runnerId: string, now: Date): Promise<boolean>;
  /** The heartbeat and position of a running request. */
  recordProgress(id: number, position: PurgePosition, now: Date): Promise<void>;
  /** running -> succeeded | failed | stopped. */
  finish(id: number, result: RunResult, now: Date): Promise<PurgeRequestRecord>;
}

/** Where a run reports to (the Slack message and its thread). Must never throw into the run. */
export interface RunReporter {
  started(request: PurgeRequestRecord): void;
  progress(request: PurgeRequestRecord, progress: PurgeProgress): void;
  fallback(request: PurgeRequestRecord, reason: string): void;
  finished(request: PurgeRequestRecord, outcome: PurgeOutcome): void;
}
