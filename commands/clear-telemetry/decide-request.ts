import type { RespondFn } from '@slack/bolt';
import { isAllowed } from '../../src/domain/request/access.js';
import {
  AlreadyDecidedError,
  checkApproval,
  checkCancel,
  checkRequesterOrApprover,
  checkResume,
  isExpired,
  type Clicker,
} from '../../src/domain/request/approval.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import { audit } from '../../src/domain/audit.js';
import { NotAllowedError } from '../../src/errors.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { closedMessage } from './preview-blocks.js';
import { post } from './open-request.js';
import { resumingMessage } from './run-blocks.js';
import { threadReply } from './thread-replies.js';
import { describeDecision, notRespondingText } from './sentences.js';
import type { ClearTelemetryDeps } from './deps.js';
import { ephemeral, errorText } from './ephemeral.js';

/** Which message was clicked: the ledger's record of it, or the click's own payload before that is stored. */
export interface Click {
  userId: string;
  requestId: number | null;
  channelId: string | null;
  messageTs: string | null;
  /** Set when the clicked message is a reply in a thread (a request message reposted there). */
  threadTs: string | null;
  /** Typed as `/clear-telemetry stop 12` rather than clicked: there is no message to check. */
  typed?: boolean;
}

/** Confirm: check the rules, claim the request atomically, then start the run detached. */
export async function confirmRequest(deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> {
  await decide(deps, click, respond, async (request, clicker, now) => {
    const { selfApproved } = checkApproval(request, clicker, now);
    if (!(await deps.ledger.approve(request.id, clicker.userId, selfApproved, now))) await tooLate(deps, request.id);
    const approved = await required(deps, request.id);
    audit(deps.log, 'approved', {
      requestId: request.id,
      kind: request.kind,
      approver: clicker.userId,
      selfApproved,
      reason: request.reason,
    });
    threadNote(deps, approved, click, threadReply.approved(approved));
    void deps.runner.start(request.id);
  });
}

/** Cancel: the requester or an approver, while it still awaits approval. */
export async function cancelRequest(deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> {
  await decide(deps, click, respond, async (request, clicker, now) => {
    checkCancel(request, clicker, now);
    if (!(await deps.ledger.cancel(request.id, clicker.userId, now))) await tooLate(deps, request.id);
    const cancelled = await required(deps, request.id);
    audit(deps.log, 'cancelled', { requestId: request.id, by: clicker.userId, queued: false });
    await close(deps, cancelled, click);
  });
}

/** Stop: the requester or an approver. A running request stops after its batch; a queued one is cancelled. */
export async function stopRequest(deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> {
  await decide(deps, click, respond, async (request, clicker, now) => {
    checkRequesterOrApprover(request, clicker, 'stop this purge');
    if (request.state === 'approved') {
      if (!(await deps.ledger.cancel(request.id, clicker.userId, now))) await tooLate(deps, request.id);
      audit(deps.log, 'cancelled', { requestId: request.id, by: clicker.userId, queued: true });
      await close(deps, await required(deps, request.id), click);
      return;
    }
    if (request.state !== 'running') throw new AlreadyDecidedError(`Nothing to stop: ${describeDecision(request)}.`);
    if (!(await deps.ledger.requestStop(request.id, clicker.userId, now))) {
      throw new AlreadyDecidedError('A stop was already requested; the run stops after its current batch.');
    }
    audit(deps.log, 'stopped', { requestId: request.id, by: clicker.userId });
    threadNote(deps, request, click, threadReply.stopRequested(clicker.userId, request));
    // A run whose process stopped answering cannot obey: say what happens to it instead.
    if (request.unresponsiveSince) await respond(ephemeral(notRespondingText(request)));
  });
}

/** Pause and Continue: the requester or an approver, while it runs; the runner obeys between batches. */
export function pauseRequest(pause: boolean) {
  return async (deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> => {
    await decide(deps, click, respond, async (request, clicker, now) => {
      checkRequesterOrApprover(request, clicker, pause ? 'pause this purge' : 'continue this purge');
      if (!(await deps.ledger.setPause(request.id, pause ? clicker.userId : null, now))) {
        throw new AlreadyDecidedError(`Nothing to ${pause ? 'pause' : 'continue'}: ${describeDecision(request)}.`);
      }
      audit(deps.log, pause ? 'paused' : 'resumed', {
        requestId: request.id,
        by: clicker.userId,
        from: pause ? 'running' : 'paused',
      });
    });
  };
}

/**
 * Resume: an approver continues a stopped, interrupted or failed run from its position, with the same
 * watermark and plan (over the row cap, a break-glass user). A request with no message (a terminal
 * run) gets one in the channel where Resume was typed, so its progress shows there.
 */
export async function resumeRequest(deps: ClearTelemetryDeps, click: Click, respond: RespondFn): Promise<void> {
  await decide(deps, click, respond, async (request, clicker) => {
    checkResume(request, clicker);
    if (!['stopped', 'interrupted', 'failed'].includes(request.state)) {
      throw new AlreadyDecidedError(`Nothing to resume: ${describeDecision(request)}.`);
    }
    const shown = request.messageTs ? request : await giveMessage(deps, request, click);
    const claim = await deps.runner.resume(request.id);
    if (claim === 'busy') {
      const running = await deps.ledger.running();
      throw new AlreadyDecidedError(
        `Another purge is running on the table${running ? ` (request #${running.id})` : ''}; resume this one when it finishes.`,
      );
    }
    if (claim === 'not-resumable')
      throw new AlreadyDecidedError(`Nothing to resume: ${describeDecision(await required(deps, request.id))}.`);
    audit(deps.log, 'resumed', { requestId: request.id, by: clicker.userId, from: request.state });
    threadNote(deps, shown, click, threadReply.resumedBy(clicker.userId));
  });
}

/** A request started in the terminal has no message: one is posted in the channel Resume was typed in. */
async function giveMessage(deps: ClearTelemetryDeps, request: PurgeRequestRecord, click: Click) {
  if (!click.channelId) return request;
  const ts = await post(deps, click.channelId, resumingMessage(request, deps.target));
  await deps.ledger.attachMessage(request.id, click.channelId, ts);
  return { ...request, channelId: click.channelId, messageTs: ts };
}

/** `/clear-telemetry stop 12` (and pause, continue, resume, cancel): what the buttons do, typed. */
export async function controlByCommand(
  deps: ClearTelemetryDeps,
  verb: 'stop' | 'pause' | 'continue' | 'resume' | 'cancel',
  typed: { userId: string; channelId: string; requestId: number | null },
  respond: RespondFn,
): Promise<void> {
  const click: Click = { ...typed, messageTs: null, threadTs: null, typed: true };
  const act = {
    stop: stopRequest,
    pause: pauseRequest(true),
    continue: pauseRequest(false),
    resume: resumeRequest,
    cancel: cancelRequest,
  }[verb];
  await act(deps, click, respond);
}

/** Expires every request whose approval window has passed, and says so on its message. */
export async function expireDueRequests(deps: ClearTelemetryDeps): Promise<void> {
  for (const request of await deps.ledger.expireDue(deps.clock())) {
    audit(deps.log, 'expired', { requestId: request.id, expiresAt: request.expiresAt });
    await close(deps, request, { userId: '', requestId: request.id, channelId: null, messageTs: null, threadTs: null });
  }
}

type Decision = (request: PurgeRequestRecord, clicker: Clicker, now: Date) => Promise<void>;

async function decide(deps: ClearTelemetryDeps, click: Click, respond: RespondFn, decision: Decision): Promise<void> {
  try {
    const request = await required(deps, click.requestId);
    checkClickSource(request, click, deps.access.channels);
    const now = deps.clock();
    if (request.state === 'awaiting_approval' && isExpired(request, now)) await expireDueRequests(deps);
    const [isApprover, isBreakGlass] = await Promise.all([
      isAllowed(deps.access.approvers, click.userId, deps.groupMembers),
      isAllowed(deps.access.breakGlass, click.userId, deps.groupMembers),
    ]);
    await decision(request, { userId: click.userId, isApprover, isBreakGlass }, now);
  } catch (error) {
    deps.log.info({ err: error, requestId: click.requestId, user: click.userId }, 'click refused');
    await respond(ephemeral(errorText(error, deps.access)));
  }
}

/**
 * A click acts only on the request whose message carries the button: same channel, same message
 * (or the bot's own repost of it, in its thread or in the channel), in a channel where the command
 * is allowed. A button value edited to name another request, or a message copied elsewhere, changes
 * nothing. A typed command has no message: the command's own channel check stands for it.
 */
export function checkClickSource(request: PurgeRequestRecord, click: Click, channels: readonly string[] | null): void {
  if (channels && !channels.includes(click.channelId ?? '')) {
    throw new NotAllowedError('This command is not enabled in this channel, so nothing was done.');
  }
  if (click.typed) return;
  const onItsMessage =
    request.channelId !== null &&
    request.messageTs !== null &&
    click.channelId === request.channelId &&
    (click.messageTs === request.messageTs ||
      click.threadTs === request.messageTs ||
      (request.repostedTs !== null && click.messageTs === request.repostedTs));
  if (!onItsMessage) {
    throw new NotAllowedError(
      `That button does not belong to request #${request.id}'s message, so nothing was done. Use the buttons on the request's own message, or type \`/clear-telemetry status\`.`,
    );
  }
}

async function required(deps: ClearTelemetryDeps, id: number | null): Promise<PurgeRequestRecord> {
  const request = id === null ? null : await deps.ledger.get(id);
  if (!request)
    throw new AlreadyDecidedError(
      'This request is not in the ledger any more, so nothing was done: `/clear-telemetry status` shows what is.',
    );
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
  threadNote(deps, request, click, threadReply.closed(request));
  await deps.slack.finalEdit(request.id, channelId, ts, closedMessage(request, deps.target)).catch((error: unknown) => {
    deps.log.error({ err: error, requestId: request.id }, 'could not edit the request message');
  });
}

function threadNote(deps: ClearTelemetryDeps, request: PurgeRequestRecord, click: Click, message: SlackMessage): void {
  const { channelId, ts } = where(request, click);
  if (channelId && ts) deps.slack.audit(request.id, channelId, ts, message);
}

function where(request: PurgeRequestRecord, click: Click): { channelId: string | null; ts: string | null } {
  return { channelId: request.channelId ?? click.channelId, ts: request.messageTs ?? click.messageTs };
}
