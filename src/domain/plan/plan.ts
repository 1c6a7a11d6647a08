import { UsageError } from '../../errors.js';
import { DEFAULT_BATCH_SIZE } from './flag-values.js';
import { formatCount } from '../wording/format.js';
import { estimateBatches, firstBatchRows } from '../run/batch-sizer.js';
import { planUndo, undoFor, type Undo, type UndoPolicy } from '../undo/undo.js';
import type { PaceSettings } from '../run/batch-pacer.js';
import type { AgeCutoff, Census, PurgeMethod, StatusCensus, WebhookQueue } from '../ports.js';
import { WEBHOOK_STATUSES, type StatusFilter } from './webhook-statuses.js';

export interface StatusSummary {
  rows: { status: string; count: number }[];
  total: number;
}

/** What a person approves: what would be deleted, how, and the bound that keeps it exact. */
export interface Plan {
  status: StatusFilter;
  summary: StatusSummary;
  matching: number;
  /**
   * The highest id of a matching row when the plan was made (never above the table's max(id)).
   * Nothing above it is ever deleted, so rows that arrive after the plan are safe. Null: nothing matches.
   */
  watermark: number | null;
  /** The lowest id of a matching row: where the batch walk starts. Null: nothing matches. */
  firstId: number | null;
  /**
   * The database snapshot the counts came from. The delete keeps any row version this snapshot did
   * not see: a row that changed into the status after the plan, or one committed after it with an
   * id below the watermark. So a run deletes only rows the approver was shown.
   */
  snapshot: string | null;
  /** Rows created at or after this are kept: `--older-than`, or PENDING's minimum age. Fixed when planned. */
  cutoff: PlanCutoff | null;
  /** Rows of the status the cut-off keeps (not counted in `matching`). */
  kept: number;
  /** `--limit`: at most this many rows, the oldest ids; the watermark is then the id of the last of them. */
  limit: number | null;
  /** Replicas exist whose lag this database user cannot see: the run cannot wait for them (preview only). */
  replicaLagHidden: boolean;
  /** The cap (CLEAR_TELEMETRY_MAX_ROWS) when the plan is over it: only a break-glass user may approve. Null: within it. */
  overCap: number | null;
  oldest: Date | null;
  newest: Date | null;
  /** The newest PENDING row in the plan, if it has any: a very young one is still being delivered. */
  newestPending: Date | null;
  method: PurgeMethod;
  methodReason: string;
  batchSize: number;
  batches: number;
  estimatedMs: number;
  plannedAt: Date;
  /** What can be undone: the deleted rows archived for some days, or nothing. */
  undo: Undo;
}

export interface PlanCutoff extends AgeCutoff {
  /** The age asked for (`--older-than`) or PENDING's minimum age. */
  ageMs: number;
  source: 'older-than' | 'pending-min-age';
}

export interface PlanRequest {
  status: StatusFilter;
  /** `--batch-size`, which aims each batch at up to that many rows; null: batches sized by time. */
  batchSize: number | null;
  useCursor: boolean;
  olderThanMs?: number | null;
  limit?: number | null;
  /** `--archive`: keep what is deleted, restorable. */
  archive?: boolean;
}

export interface PlanPolicy extends PaceSettings, UndoPolicy {
  /** At or below this many matching rows one statement is used; above it, batches. */
  nativeMaxRows: number;
  /** PENDING rows younger than this are kept unless `--older-than` says otherwise (0: none). */
  pendingMinAgeMs?: number;
  /** Requests for more rows need a break-glass approver (null: no cap). */
  maxRows?: number | null;
}

/**
 * The age cut-off of a plan made at `now`, rounded down to the second (previews of the same second
 * share one census). `--older-than 0` keeps no row; without `--older-than`, PENDING rows younger
 * than the minimum age are kept, under `--status ALL` too.
 */
export function planCutoff(request: PlanRequest, policy: PlanPolicy, now: Date): PlanCutoff | null {
  const before = (ageMs: number) => new Date(Math.floor((now.getTime() - ageMs) / 1_000) * 1_000);
  if (request.olderThanMs !== undefined && request.olderThanMs !== null) {
    const ageMs = request.olderThanMs;
    return ageMs > 0 ? { before: before(ageMs), appliesTo: 'all', ageMs, source: 'older-than' } : null;
  }
  const ageMs = policy.pendingMinAgeMs ?? 0;
  if (ageMs <= 0 || (request.status !== 'PENDING' && request.status !== 'ALL')) return null;
  return { before: before(ageMs), appliesTo: 'PENDING', ageMs, source: 'pending-min-age' };
}

/**
 * A plan from a fresh census taken with the plan's cut-off; with `--limit`, its watermark is the
 * id of the last row it may delete, so the count, the preview and the progress are exact.
 */
export async function planPurge(
  census: (cutoff: AgeCutoff | null) => Promise<Census>,
  queue: Pick<WebhookQueue, 'firstRows'>,
  request: PlanRequest,
  policy: PlanPolicy,
  now: Date,
): Promise<Plan> {
  const cutoff = planCutoff(request, policy, now);
  const plan = makePlan(await census(cutoff), request, policy, now, cutoff);
  const limit = request.limit ?? null;
  if (limit === null || plan.matching <= limit || plan.firstId === null || plan.watermark === null) return plan;
  const first = await queue.firstRows({
    status: plan.status,
    fromId: plan.firstId,
    toId: plan.watermark,
    n: limit,
    snapshot: plan.snapshot,
    cutoff,
  });
  // Fewer rows than the census counted are left (some went meanwhile): the whole set is within the limit.
  if (first === null) return plan;
  return withWatermark(plan, first, limit, request, policy);
}

/** The plan cut at the `limit`th row: the rows above `lastId` are out of it. */
function withWatermark(
  plan: Plan,
  { lastId, newest }: { lastId: number; newest: Date },
  limit: number,
  request: PlanRequest,
  policy: PlanPolicy,
): Plan {
  const { method, reason } = chooseMethod(limit, request, policy);
  const batches = plannedBatches({ method, matching: limit, batchSize: plan.batchSize });
  return {
    ...plan,
    matching: limit,
    watermark: lastId,
    newest,
    newestPending: plan.newestPending && plan.newestPending > newest ? newest : plan.newestPending,
    method,
    methodReason: reason,
    batches,
    overCap: overCap(limit, policy),
    estimatedMs: estimateMs(limit, batches, method, policy),
    undo: undoFor(plan.undo, limit, plan.matching),
  };
}

/**
 * Deletion speed used for the estimate: the slow end of `npm run bench` (a status spread thinly over
 * the table, batches of 10,000, about 120,000 rows/s; README, Benchmarks), rounded down.
 */
export const ESTIMATED_ROWS_PER_SECOND = 100_000;

export function makePlan(
  {
    statuses,
    snapshot,
    cutoff: censusCutoff,
    replicaLagHidden = false,
    tableBytes = null,
    tableRowVersions = null,
  }: Census,
  request: PlanRequest,
  policy: PlanPolicy,
  now: Date,
  cutoff: PlanCutoff | null = planCutoff(request, policy, now),
): Plan {
  if (
    (censusCutoff?.before.getTime() ?? null) !== (cutoff?.before.getTime() ?? null) ||
    censusCutoff?.appliesTo !== cutoff?.appliesTo
  ) {
    throw new Error("the census was taken with another age cut-off than the plan's");
  }
  const ofStatus = statuses.filter((row) => request.status === 'ALL' || row.status === request.status);
  const matchingRows = ofStatus.filter((row) => row.count > row.young);
  const matching = sum(matchingRows.map((row) => row.count - row.young));
  const kept = sum(ofStatus.map((row) => row.young));
  const { method, reason } = chooseMethod(matching, request, policy);
  const watermark =
    matchingRows.length > 0 ? Math.max(...matchingRows.map((row) => row.eligibleMaxId ?? row.maxId)) : null;
  const firstId =
    matchingRows.length > 0 ? Math.min(...matchingRows.map((row) => row.eligibleMinId ?? row.minId)) : null;
  const batchSize = request.batchSize ?? DEFAULT_BATCH_SIZE;
  const batches = plannedBatches({ method, matching, batchSize });
  return {
    status: request.status,
    summary: summarize(statuses),
    matching,
    watermark,
    firstId,
    snapshot: matching > 0 ? snapshot : null,
    cutoff,
    kept,
    limit: request.limit ?? null,
    replicaLagHidden,
    overCap: overCap(matching, policy),
    oldest: earliest(matchingRows.map((row) => row.oldest)),
    newest: latest(matchingRows.map((row) => row.eligibleNewest ?? row.newest)),
    newestPending: matchingRows.find((row) => row.status === 'PENDING')?.eligibleNewest ?? null,
    method,
    methodReason: reason,
    batchSize,
    batches,
    estimatedMs: estimateMs(matching, batches, method, policy),
    plannedAt: now,
    undo: planUndo(request.archive, policy, matching, {
      bytes: tableBytes,
      rows: Math.max(tableRowVersions ?? 0, sum(statuses.map((row) => row.count))),
    }),
  };
}

/**
 * Small sets go in one statement: it is the fastest way and its locks last well under a second.
 * Large sets go in bounded batches: each transaction stays short, progress is visible and a stop
 * takes effect within one batch. An explicit `--batch-size`, or a rows-per-second ceiling, always
 * means batches: one statement can be neither sized nor paced. The reasons are worded for people who
 * knew the Django command, which did the reverse (docs/runbook.md).
 */
function chooseMethod(
  matching: number,
  request: Pick<PlanRequest, 'useCursor' | 'batchSize'>,
  policy: PlanPolicy,
): { method: PurgeMethod; reason: string } {
  const ceiling = policy.maxRowsPerSecond;
  if (request.useCursor) {
    if (ceiling > 0) {
      throw new UsageError(
        `--use-cursor deletes in one statement, which cannot be paced, and a ceiling of ${formatCount(ceiling)} rows/s (CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND) is set here. Leave out --use-cursor: batches keep to the ceiling.`,
      );
    }
    return { method: 'native', reason: "--use-cursor asks for one statement, as the old command's --use-cursor did" };
  }
  if (request.batchSize !== null) {
    return {
      method: 'batch',
      reason: `--batch-size ${formatCount(request.batchSize)} aims each batch at up to ${formatCount(request.batchSize)} rows, as the old command's batches (a batch is an id range, so it can hold more where matching rows bunch up)`,
    };
  }
  if (ceiling > 0) {
    return {
      method: 'batch',
      reason: `a ceiling of ${formatCount(ceiling)} rows/s is set (CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND), and only batches can keep to it`,
    };
  }
  const limit = formatCount(policy.nativeMaxRows);
  if (matching <= policy.nativeMaxRows) {
    return {
      method: 'native',
      reason: `${formatCount(matching)} rows is at most ${limit}, so one short statement is fastest (the old command used batches here; --batch-size N asks for them)`,
    };
  }
  return {
    method: 'batch',
    reason: `${formatCount(matching)} rows is over ${limit}, so batches of short transactions keep the locks brief (the old command used one long statement here; --use-cursor asks for that)`,
  };
}

/** Every known status, even at zero, then whatever else the table holds, as the Django summary did. */
export function summarize(census: readonly StatusCensus[]): StatusSummary {
  const counts = new Map<string, number>(WEBHOOK_STATUSES.map((status) => [status, 0]));
  for (const row of census) counts.set(row.status, row.count);
  const rows = [...counts]
    .map(([status, count]) => ({ status, count }))
    .sort((a, b) => a.status.localeCompare(b.status));
  return { rows, total: sum(rows.map((row) => row.count)) };
}

/** The plan's batch count, an estimate for batches: one statement is one batch. */
export function plannedBatches(plan: Pick<Plan, 'method' | 'matching' | 'batchSize'>): number {
  return plan.method === 'native'
    ? Math.min(1, plan.matching)
    : estimateBatches(plan.matching, firstBatchRows(plan.batchSize), plan.batchSize);
}

/**
 * The database's own time, plus the rests between batches; under a rows-per-second ceiling, at least
 * the ceiling's time. One statement cannot be paced, so the ceiling does not slow it.
 */
function estimateMs(matching: number, batches: number, method: PurgeMethod, policy: PlanPolicy): number {
  const working = (matching / ESTIMATED_ROWS_PER_SECOND) * 1_000;
  if (method === 'native') return Math.round(working);
  const pauses = Math.max(0, batches - 1) * policy.batchPauseMs + (working * policy.batchPausePercent) / 100;
  const ceiling = policy.maxRowsPerSecond > 0 ? (matching / policy.maxRowsPerSecond) * 1_000 : 0;
  return Math.round(Math.max(working + pauses, ceiling));
}

function overCap(matching: number, policy: PlanPolicy): number | null {
  return policy.maxRows !== undefined && policy.maxRows !== null && matching > policy.maxRows ? policy.maxRows : null;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function earliest(dates: readonly Date[]): Date | null {
  return dates.length > 0 ? new Date(Math.min(...dates.map((date) => date.getTime()))) : null;
}

function latest(dates: readonly Date[]): Date | null {
  return dates.length > 0 ? new Date(Math.max(...dates.map((date) => date.getTime()))) : null;
}
