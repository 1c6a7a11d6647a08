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
