import { Coded, ErrorCode, ExpiredError, NotAllowedError, SelfApprovalError } from '../../errors.js';
import { commandFlags } from '../wording/sentences.js';
import { formatCount, formatTimestamp } from '../wording/format.js';
import type { PurgeRequestRecord } from './request.js';

/** The request was decided already (approved, stopped, finished…): nothing was done. */
export class AlreadyDecidedError extends Coded {
  readonly code = ErrorCode.AlreadyDecided;
  readonly #decided: { lead: string; request: PurgeRequestRecord } | null;
  /** With `decided`, a reader words who decided what in its own way (a Slack mention, a user id). */
  constructor(message: string, options?: ErrorOptions & { decided?: { lead: string; request: PurgeRequestRecord } }) {
    super(message, options);
    this.#decided = options?.decided ?? null;
  }

  get decided(): { lead: string; request: PurgeRequestRecord } | null {
    return this.#decided;
  }
}

/** What the rules need to know about the person who clicked. */
export interface Clicker {
  userId: string;
  isApprover: boolean;
  isBreakGlass: boolean;
}

/**
 * Confirm: a second person approves. The requester may approve only their own `--force` request,
 * and only as a break-glass user; that is recorded as self-approved. A plan over the row cap needs a
 * break-glass user. Throws a coded error otherwise.
 */
export function checkApproval(request: PurgeRequestRecord, clicker: Clicker, now: Date): { selfApproved: boolean } {
  checkStillOpen(request, now);
  const overCap = request.plan.overCap !== null;
  const only = { who: overCap ? 'breakGlass' : 'approvers', to: 'approve' } as const;
  if (clicker.userId === request.requesterId) {
    if (request.force && clicker.isBreakGlass) return { selfApproved: true };
    throw new SelfApprovalError(
      request.force
        ? 'You asked for this purge, so another approver must confirm it. (--force lets only break-glass users confirm their own request.)'
        : 'You asked for this purge, so another approver must confirm it.',
      { only: { ...only, except: request.requesterId } },
    );
  }
  // Over the row cap, a break-glass user must approve, whether or not they are also an approver.
  if (overCap) {
    if (clicker.isBreakGlass) return { selfApproved: false };
    throw new NotAllowedError(
      `This purge is over the cap of ${formatCount(request.plan.overCap ?? 0)} rows (CLEAR_TELEMETRY_MAX_ROWS), so only a break-glass user (CLEAR_TELEMETRY_BREAK_GLASS) can approve it.`,
      { only },
    );
  }
  if (!clicker.isApprover)
    throw new NotAllowedError('Only approvers (CLEAR_TELEMETRY_APPROVERS) can confirm a purge.', { only });
  return { selfApproved: false };
}

/**
 * Resume: an approver continues a stopped, interrupted or failed run within the plan that was
 * approved; over the row cap, as for its approval, only a break-glass user.
 */
export function checkResume(request: Pick<PurgeRequestRecord, 'plan'>, clicker: Clicker): void {
  if (request.plan.overCap !== null) {
    if (clicker.isBreakGlass) return;
    throw new NotAllowedError(
      `This purge is over the cap of ${formatCount(request.plan.overCap)} rows (CLEAR_TELEMETRY_MAX_ROWS), so only a break-glass user (CLEAR_TELEMETRY_BREAK_GLASS) can resume it.`,
      { only: { who: 'breakGlass', to: 'resume' } },
    );
  }
  if (!clicker.isApprover)
    throw new NotAllowedError('Only approvers (CLEAR_TELEMETRY_APPROVERS) can resume a purge.', {
      only: { who: 'approvers', to: 'resume' },
    });
}

/** Stop, Pause and Continue: the requester or an approver. */
export function checkRequesterOrApprover(request: PurgeRequestRecord, clicker: Clicker, what: string): void {
  if (clicker.userId !== request.requesterId && !clicker.isApprover) {
    throw new NotAllowedError(`Only the requester or an approver can ${what}.`);
  }
}

/** Cancel: the requester or an approver, while the request awaits approval or waits in the queue. */
export function checkCancel(request: PurgeRequestRecord, clicker: Clicker, now: Date): void {
  if (request.state !== 'approved') checkStillOpen(request, now);
  if (clicker.userId !== request.requesterId && !clicker.isApprover) {
    throw new NotAllowedError('Only the requester or an approver can cancel this request.');
  }
}

export function isExpired(request: PurgeRequestRecord, now: Date): boolean {
  return request.expiresAt !== null && now.getTime() >= request.expiresAt.getTime();
}

function checkStillOpen(request: PurgeRequestRecord, now: Date): void {
  if (request.state !== 'awaiting_approval') {
    throw new AlreadyDecidedError(`Nothing to do: request #${request.id} is ${request.state}.`, {
      decided: { lead: 'Nothing to do', request },
    });
  }
  if (isExpired(request, now))
    throw new ExpiredError(
      `This request expired at ${formatTimestamp(request.expiresAt ?? now)}.`,
      request.kind === 'restore' ? `restore ${request.restoreOf ?? ''}` : commandFlags(request.plan),
    );
}
