import type { RespondFn } from '@slack/bolt';
import { isAllowed } from '../../src/domain/access.js';
import { checkApproval, checkCancel, describeDecision, isExpired, type Clicker } from '../../src/domain/approval.js';
import type { PurgeRequestRecord } from '../../src/domain/request.js';
import { AlreadyDecidedError } from '../../src/errors.js';
import { closedMessage, reply } from './blocks.js';
import type { ClearTelemetryDeps } from './deps.js';
import { ephemeral, errorText } from './replies.js';

/** Which message was clicked: the ledger's record of it, or the click's own payload before that is stored. */
export interface Click {
  userId: string;
  requestId: number | null;
  channelId: string | null;
  messageTs: string | null;
}

/** Confirm: check the rules, claim the request atomically, then start the run detached. */
export async function confirmRequest(deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> {
  await decide(deps, click, respond, async (request, clicker, now) => {
    const { selfApproved } = checkApproval(request, clicker, now);
    if (!(await deps.ledger.approve(request.id, clicker.userId, selfApproved, now))) await tooLate(deps, request.id);
    const approved = await required(deps, request.id);
    deps.log.info({ requestId: request.id, approver: clicker.userId, selfApproved }, 'request approved');
    audit(deps, approved, click, reply.approved(approved));
    void deps.runner.start(request.id);
  });
}

/** Cancel: the requester or an approver, while it still awaits approval. */
export async function cancelRequest(deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> {
  await decide(deps, click, respond, async (request, clicker, now) => {
    checkCancel(request, clicker, now);
    if (!(await deps.ledger.cancel(request.id, clicker.userId, now))) await tooLate(deps, request.id);
    const cancelled = await required(deps, request.id);
    deps.log.info({ requestId: request.id, by: clicker.userId }, 'request cancelled');
    await close(deps, cancelled, click);
  });
}

/** Expires every request whose approval window has passed, and says so on its message. */
export async function expireDueRequests(deps: ClearTelemetryDeps): Promise<void> {
  for (const request of await deps.ledger.expireDue(deps.clock())) {
    deps.log.info({ requestId: request.id }, 'request expired');
    await close(deps, request, { userId: '', requestId: request.id, channelId: null, messageTs: null });
  }
}

type Decision = (request: PurgeRequestRecord, clicker: Clicker, now: Date) => Promise<void>;

async function decide(deps: ClearTelemetryDeps, click: Click, respond: RespondFn, decision: Decision): Promise<void> {
  try {
    const request = await required(deps, click.requestId);
    const now = deps.clock();
    if (request.state === 'awaiting_approval' && isExpired(request, now)) await expireDueRequests(deps);
    const [isApprover, isBreakGlass] = await Promise.all([
      isAllowed(deps.access.approvers, click.userId, deps.groupMembers),
      isAllowed(deps.access.breakGlass, click.userId, deps.groupMembers),
    ]);
    await decision(request, { userId: click.userId, isApprover, isBreakGlass }, now);
  } catch (error) {
    deps.log.info({ err: error, requestId: click.requestId, user: click.userId }, 'click refused');
    await respond(ephemeral(errorText(error)));
  }
}

async function required(deps: ClearTelemetryDeps, id: number | null): Promise<PurgeRequestRecord> {
  const request = id === null ? null : await deps.ledger.get(id);
  if (!request) throw new AlreadyDecidedError('This request is not in the ledger any more. Run /clear-telemetry again for a fresh preview.');
  return request;
}

/** The compare-and-set lost: someone else decided first. */
async function tooLate(deps: ClearTelemetryDeps, id: number): Promise<never> {
  const latest = await required(deps, id);
  throw new AlreadyDecidedError(`Too late: ${describeDecision(latest)}.`);
}

async function close(deps: ClearTelemetryDeps, request: PurgeRequestRecord, click: Click): Promise<void> {
  const { channelId, ts } = where(request, click);
  if (!channelId || !ts) return;
  audit(deps, request, click, reply.closed(request));
  await deps.slack.finalEdit(channelId, ts, closedMessage(request)).catch((error: unknown) => {
    deps.log.error({ err: error, requestId: request.id }, 'could not edit the request message');
  });
}

function audit(deps: ClearTelemetryDeps, request: PurgeRequestRecord, click: Click, message: ReturnType<typeof reply.closed>): void {
  const { channelId, ts } = where(request, click);
  if (!channelId || !ts) return;
  deps.slack.post(channelId, message, { threadTs: ts, audit: true }).catch((error: unknown) => {
    deps.log.error({ err: error, requestId: request.id }, 'could not post the audit reply');
  });
}

function where(request: PurgeRequestRecord, click: Click): { channelId: string | null; ts: string | null } {
  return { channelId: request.channelId ?? click.channelId, ts: request.messageTs ?? click.messageTs };
}
