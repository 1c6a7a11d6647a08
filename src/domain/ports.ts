import type { StatusFilter } from './statuses.js';

/**
 * The small interfaces the domain needs from the database. The MikroORM adapter in src/db
 * implements them; the domain never sees the ORM or SQL.
 */

/** One status as the table holds it right now. Statuses outside Django's choices appear too. */
export interface StatusCensus {
  status: string;
  count: number;
  maxId: number;
  oldest: Date;
  newest: Date;
}

/** Per-transaction limits, set with `SET LOCAL` semantics so they never leak to other work. */
export interface Timeouts {
  statementMs: number;
  lockMs: number;
}

export interface BatchRequest {
  status: StatusFilter;
  /** Inclusive lower bound of the key walk. */
  fromId: number;
  /** Inclusive upper bound: max(id) when the plan was made. */
  watermark: number;
  limit: number;
  timeouts: Timeouts;
}

export interface BatchResult {
  deleted: number;
  /** How many rows the batch selected; fewer than `limit` means the walk is finished. */
  scanned: number;
  /** The highest id the batch selected, or null when it selected none. */
  lastId: number | null;
}

export interface NativeDeleteRequest {
  status: StatusFilter;
  watermark: number;
  timeouts: Timeouts;
}

export interface WebhookQueue {
  /** Counts per status in one grouped query (one snapshot). */
  census(): Promise<StatusCensus[]>;
  /** Deletes the next keyset batch in its own short transaction. */
  deleteBatch(request: BatchRequest): Promise<BatchResult>;
  /** Deletes every matching row up to the watermark in one statement. */
  deleteAll(request: NativeDeleteRequest): Promise<number>;
}
