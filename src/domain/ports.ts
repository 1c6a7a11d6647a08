import type { StatusFilter } from './plan/webhook-statuses.js';

/**
 * The small interfaces the domain needs from the database, the archive, the notice outbox and
 * Slack's user groups; run-ports.ts holds those that know the request record (the ledger, the
 * reporter). The adapters in src/db, src/slack and commands/ implement them; the domain never sees
 * the ORM, SQL or Slack.
 */

/**
 * Rows created at or after `before` are too young to delete: for every status (`--older-than`), or
 * for PENDING only (the minimum age of rows the worker may still be delivering).
 */
export interface AgeCutoff {
  before: Date;
  appliesTo: 'all' | 'PENDING';
}

/** One status as the table holds it right now. Statuses outside Django's choices appear too. */
export interface StatusCensus {
  status: string;
  count: number;
  minId: number;
  maxId: number;
  oldest: Date;
  newest: Date;
  /** Rows the census's cut-off keeps (0 without one); the rest are eligible. */
  young: number;
  eligibleMinId: number | null;
  eligibleMaxId: number | null;
  eligibleNewest: Date | null;
}

/** The table as one snapshot saw it: every status, and the snapshot itself (opaque to the domain). */
export interface Census {
  statuses: StatusCensus[];
  /**
   * The database's snapshot the counts were taken in (null when the table is empty). A delete given
   * it keeps every row version written after it, or by a transaction still open then: exactly
   * the rows the plan did not see.
   */
  snapshot: string | null;
  /** The cut-off the eligible counts were taken with. */
  cutoff: AgeCutoff | null;
  /** Streaming replicas exist whose lag this database user may not see (no pg_monitor): the run cannot wait for them. */
  replicaLagHidden?: boolean;
  /** The table's size on disk, TOAST included: over its row versions, it sizes an archive. */
  tableBytes?: number | null;
  /**
   * Row versions the table's files hold, live and dead, per PostgreSQL's statistics (null when it
   * has none): after a big purge, until VACUUM, the size still covers the dead ones.
   */
  tableRowVersions?: number | null;
}

/** Per-transaction limits, set with `SET LOCAL` semantics so they never leak to other work. */
export interface Timeouts {
  statementMs: number;
  lockMs: number;
}

/**
 * A run's claim on its ledger row. With it, each delete commits together with the run's new
 * position, and only while the ledger still names this runner: a crash never loses or double-counts
 * a batch, and a runner that was declared dead cannot keep deleting.
 */
export interface Checkpoint {
  requestId: number;
  runnerId: string;
  /** Move each deleted row into the archive under `requestId`, in the delete's own statement. */
  archive?: boolean;
}

/** One batch: the matching rows whose ids lie in `fromId..toId` (both inclusive, never above the watermark). */
export interface BatchRequest {
  status: StatusFilter;
  fromId: number;
  toId: number;
  /** The plan's snapshot: rows it did not see are kept. Null (a request from before snapshots were recorded): the watermark alone bounds the delete. */
  snapshot: string | null;
  /** Rows younger than the plan's cut-off are kept. */
  cutoff: AgeCutoff | null;
  timeouts: Timeouts;
  checkpoint?: Checkpoint;
}

export interface NativeDeleteRequest {
  status: StatusFilter;
  watermark: number;
  snapshot: string | null;
  cutoff: AgeCutoff | null;
  timeouts: Timeouts;
  checkpoint?: Checkpoint;
}

export interface WebhookQueue {
  /** Counts per status in one grouped query (one snapshot), with the rows `cutoff` keeps counted apart. */
  census(cutoff: AgeCutoff | null): Promise<Census>;
  /**
   * The first `n` rows (by id) a delete of `status` from `fromId` would take: the last one's id and
   * the newest creation time among them. Null when there are fewer.
   */
  firstRows(request: {
    status: StatusFilter;
    fromId: number;
    toId: number;
    n: number;
    snapshot: string | null;
    cutoff: AgeCutoff | null;
  }): Promise<{ lastId: number; newest: Date } | null>;
  /** Deletes one id range in its own short transaction; returns how many rows it deleted. */
  deleteBatch(request: BatchRequest): Promise<number>;
  /** Deletes every matching row up to the watermark in one statement. */
  deleteAll(request: NativeDeleteRequest): Promise<number>;
}

/** A streaming replica as the primary sees it. */
export interface ReplicaLag {
  name: string;
  /** `replay_lag`; null when the replica reports none (idle, or just connected). */
  lagMs: number | null;
  /** WAL sent but not yet replayed; null when the database user may not see it. */
  lagBytes: number | null;
}

/** Signals that the database wants the purge to hold off. */
export interface HealthProbe {
  /** True while a VACUUM (auto or manual) is working on the webhook table. */
  vacuumRunning(): Promise<boolean>;
  /** Every streaming replica of this primary (none on a replica-less server). */
  replicas(): Promise<ReplicaLag[]>;
}

export type PurgeMethod = 'batch' | 'native';

/** Where a batch run stands: the last id range it finished and what it deleted so far. */
export interface PurgePosition {
  lastId: number | null;
  deleted: number;
  batches: number;
}

export interface PurgeProgress {
  method: PurgeMethod;
  deleted: number;
  total: number;
  percent: number;
  batchesDone: number;
  batchesTotal: number;
  /** Ids the next batch will cover. */
  batchSize: number;
  rowsPerSecond: number;
  etaMs: number | null;
  elapsedMs: number;
  lastId: number | null;
  /** How long the last batch took. */
  lastBatchMs: number;
}

/**
 * A chat message the bot has promised to deliver: an audit thread reply or a final edit. The
 * blocks are the chat's own layout (Slack's Block Kit), opaque here.
 */
export interface Notice<Blocks = unknown> {
  requestId: number;
  /** `reply`: a thread reply under `ts`; `edit`: the new content of message `ts`. */
  kind: 'reply' | 'edit';
  channelId: string;
  ts: string;
  text: string;
  blocks: Blocks[];
}

export interface PendingNotice<Blocks = unknown> extends Notice<Blocks> {
  id: number;
}

/** The persistent outbox, so a notice survives the process that promised it. */
export interface NoticeOutbox<Blocks = unknown> {
  /** Records a notice, claimed by `owner` for `leaseMs`; returns its id. */
  add(notice: Notice<Blocks>, owner: string, leaseMs: number): Promise<number>;
  delivered(id: number): Promise<void>;
  /** Notes a failed attempt; the claim runs out on its own and another delivery is tried. */
  failed(id: number, error: string): Promise<void>;
  /** Claims undelivered notices whose claim ran out (their owner died or gave up), oldest first. */
  claimExpired(owner: string, leaseMs: number, limit: number): Promise<PendingNotice<Blocks>[]>;
}

/** What an archived purge left restorable. */
export interface ArchiveSurvey {
  /** Archived rows still waiting to come back. */
  rows: number;
  /** Their archive ids, the restore's own key: it walks them in order. */
  firstArchiveId: number | null;
  lastArchiveId: number | null;
  /** The webhook ids they had, and how many of those ids are taken again now (skipped on restore). */
  minRowId: number | null;
  maxRowId: number | null;
  taken: number;
  /** When the oldest of them expires (archived, plus the days the purge's preview promised). */
  expiresAt: Date | null;
}

export interface RestoreBatchRequest {
  /** The archived purge whose rows come back. */
  purgeId: number;
  /** Archive ids after this one, at most `toId`, at most `limit` of them. */
  afterId: number;
  toId: number;
  limit: number;
  timeouts: Timeouts;
  checkpoint: Checkpoint;
}

export interface RestoredBatch {
  /** Archived rows the batch looked at. */
  seen: number;
  /** Of those, rows inserted back (the rest had their id taken again, and stay in the archive). */
  restored: number;
  lastArchiveId: number | null;
}

/** The archive, as a restore and the janitor see it. */
export interface ArchiveStore {
  survey(purgeId: number): Promise<ArchiveSurvey>;
  /** Inserts a batch of archived rows back with their original ids, and removes them from the archive; commits with the run's position. */
  restoreBatch(request: RestoreBatchRequest): Promise<RestoredBatch>;
  /** Deletes at most `limit` archived rows past their keeping time; returns how many. */
  expire(limit: number): Promise<number>;
}

/** The members of a Slack user group (S…), for access lists that name groups. */
export type GroupMembers = (groupId: string) => Promise<ReadonlySet<string>>;
