import type { Plan } from './plan.js';
import type { PurgePosition } from './ports.js';
import type { RequestState } from './request-states.js';

/** A purge request as the ledger holds it: what was asked, the plan that was approved, and the run. */
export interface PurgeRequestRecord {
  id: number;
  state: RequestState;
  source: 'slack' | 'terminal';
  plan: Plan;
  force: boolean;
  useCursor: boolean;
  requesterId: string;
  teamId: string | null;
  channelId: string | null;
  messageTs: string | null;
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
  finishedAt: Date | null;
  /** Milliseconds spent deleting over every start and resume (less than finished − started after downtime). */
  activeMs: number;
  position: PurgePosition;
  methodUsed: string | null;
  fallbackReason: string | null;
  error: string | null;
}

/** What a new request needs; the ledger fills in the rest. */
export type NewPurgeRequest = Pick<PurgeRequestRecord, 'source' | 'plan' | 'force' | 'useCursor' | 'requesterId' | 'teamId' | 'channelId' | 'expiresAt'>;
