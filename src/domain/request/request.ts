import type { Plan } from '../plan/plan.js';
import type { PurgeMethod, PurgePosition } from '../ports.js';
import type { RequestState } from './request-states.js';

/** A purge request as the ledger holds it: what was asked, the plan that was approved, and the run. */
export interface PurgeRequestRecord {
  id: number;
  state: RequestState;
  /** Asked in Slack, run from a terminal, or made by a retention policy on its schedule. */
  source: 'slack' | 'terminal' | 'policy';
  /** A purge, or a restore of what an archived purge (`restoreOf`) deleted. */
  kind: 'purge' | 'restore';
  restoreOf: number | null;
  /** A restore's rows left in the archive because their id was taken again since the purge. */
  skipped: number;
  plan: Plan;
  force: boolean;
  useCursor: boolean;
  requesterId: string;
  /** `--reason`: an incident, a ticket or a sentence; user text, escaped wherever it is shown. */
  reason: string | null;
  /** The retention policy that made it (and its scheduled slot); null for a person's request. */
  policy: string | null;
  policySlot: Date | null;
  teamId: string | null;
  channelId: string | null;
  messageTs: string | null;
  /** The message posted in its place when the original could no longer be edited (its buttons count too). */
  repostedTs: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  approverId: string | null;
  approvedAt: Date | null;
  selfApproved: boolean;
  /** Who cancelled (or null when it expired on its own). */
  decidedBy: string | null;
  decidedAt: Date | null;
  stopRequestedBy: string | null;
  pausedBy: string | null;
  runnerId: string | null;
  startedAt: Date | null;
  heartbeatAt: Date | null;
  /** Since when its run's process has not answered (liveness lock free, heartbeat silent); null while it does. */
  unresponsiveSince: Date | null;
  finishedAt: Date | null;
  /** Milliseconds spent deleting over every start and resume (less than finished − started after downtime). */
  activeMs: number;
  position: PurgePosition;
  methodUsed: string | null;
  fallbackReason: string | null;
  error: string | null;
}

/** What a new request needs; the ledger fills in the rest. */
export type NewPurgeRequest = Pick<
  PurgeRequestRecord,
  'source' | 'plan' | 'force' | 'useCursor' | 'requesterId' | 'teamId' | 'channelId' | 'expiresAt'
> &
  Partial<Pick<PurgeRequestRecord, 'kind' | 'restoreOf' | 'reason' | 'policy' | 'policySlot'>>;

export type EndState = 'succeeded' | 'stopped' | 'failed' | 'interrupted';

/** How a request's run went, derived once for every reader (the Slack result, the terminal's last line). */
export interface RunAccount {
  endState: EndState;
  /** The method that did the deleting ('batch' after a fallback from 'native'). */
  method: PurgeMethod;
  deleted: number;
  batches: number;
  /** Time spent deleting, over every start and resume. */
  durationMs: number;
  /** From the first start to the end, downtime included. */
  spanMs: number;
}

export function runAccount(request: PurgeRequestRecord): RunAccount {
  const started = (request.startedAt ?? request.createdAt).getTime();
  const spanMs =
    (request.finishedAt ?? request.heartbeatAt ?? request.startedAt ?? request.createdAt).getTime() - started;
  return {
    endState:
      (['succeeded', 'stopped', 'failed', 'interrupted'] as const).find((state) => state === request.state) ?? 'failed',
    method:
      request.methodUsed === 'native' || request.methodUsed === 'batch' ? request.methodUsed : request.plan.method,
    deleted: request.position.deleted,
    batches: request.position.batches,
    durationMs: request.activeMs > 0 ? request.activeMs : spanMs,
    spanMs,
  };
}
