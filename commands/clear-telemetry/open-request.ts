import type { RespondFn } from '@slack/bolt';
import { isAllowed } from '../../src/domain/request/access.js';
import type { PurgeArgs } from '../../src/domain/plan/clear-args.js';
import { planPurge } from '../../src/domain/plan/plan.js';
import type { AgeCutoff } from '../../src/domain/ports.js';
import { audit, planFields } from '../../src/domain/audit.js';
import { checkReason } from '../../src/domain/request/reason.js';
import { NotAllowedError } from '../../src/errors.js';
import { platformError } from '../../src/slack/retry-policy.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { nothingToDeleteMessage, previewMessage } from './preview-blocks.js';
import type { ClearTelemetryDeps } from './deps.js';
import { ephemeral, errorText } from './ephemeral.js';

export interface CommandInput {
  args: PurgeArgs;
  userId: string;
  channelId: string;
  teamId: string | null;
}

const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

/**
 * After the ack: check the requester, plan, record the request, and post the preview in the channel
 * (dry runs and empty results are posted without a request). Problems go back ephemerally.
 */
export async function openRequest(deps: ClearTelemetryDeps, input: CommandInput, respond: RespondFn): Promise<void> {
  const { args, userId, channelId } = input;
  try {
    if (!(await isAllowed(deps.access.requesters, userId, deps.groupMembers))) {
      throw new NotAllowedError(
        'You are not allowed to request a purge (CLEAR_TELEMETRY_REQUESTERS). Ask an on-call lead.',
      );
    }
    if (!args.dryRun) checkReason(args.reason, deps.requireReason);
    const now = deps.clock();
    const census = (cutoff: AgeCutoff | null) => (args.dryRun ? deps.census.recent(cutoff) : deps.census.fresh(cutoff));
    const plan = await whileCounting(respond, () =>
      deps.previews.run(userId, () => planPurge(census, deps.queue, args, deps.planPolicy, now)),
    );
    // Nothing to approve: only the person who asked sees it, unless they asked to share the summary.
    const show = (shown: SlackMessage) =>
      args.showSummary ? post(deps, channelId, shown) : respond({ ...ephemeral(shown.text), blocks: shown.blocks });
    if (plan.matching === 0) {
      await show(nothingToDeleteMessage(plan, userId, deps.target));
      return;
    }
    const { approvers, breakGlass } = deps.access;
    const preview = { requesterId: userId, approvers, breakGlass, now, target: deps.target, reason: args.reason };
    if (args.dryRun) {
      await show(previewMessage(plan, { ...preview, requestId: null, expiresAt: null, selfApproval: null }));
      return;
    }
    const selfApproval = args.force
      ? (await isAllowed(deps.access.breakGlass, userId, deps.groupMembers))
        ? 'break-glass'
        : 'not-break-glass'
      : null;
    const expiresAt = new Date(now.getTime() + deps.access.approvalTtlMs);
    const request = await deps.ledger.create({
      source: 'slack',
      plan,
      force: args.force,
      useCursor: args.useCursor,
      requesterId: userId,
      teamId: input.teamId,
      channelId,
      expiresAt,
      reason: args.reason,
    });
    await postPreview(
      deps,
      request.id,
      channelId,
      previewMessage(plan, { ...preview, requestId: request.id, expiresAt, selfApproval }),
    );
    audit(deps.log, 'requested', {
      requestId: request.id,
      kind: 'purge',
      source: 'slack',
      requester: userId,
      channel: channelId,
      ...planFields(plan),
      reason: args.reason,
    });
  } catch (error) {
    deps.log.warn({ err: error, user: userId, channel: channelId }, 'request refused');
    await respond(ephemeral(errorText(error)));
  }
}

/** How long a census may take before the person is told it is counting. */
const COUNTING_NOTICE_MS = 1_000;

/**
 * A census of a big table takes seconds: after a second the person sees "Counting…", and the same
 * ephemeral message is replaced once the count is in, so nobody types the command again meanwhile.
 */
async function whileCounting<T>(respond: RespondFn, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const notice: { shown?: Promise<unknown> } = {};
  const timer = setTimeout(() => {
    notice.shown = respond(ephemeral('Counting the webhooks by status… (a big table takes a few seconds)')).catch(
      () => undefined,
    );
  }, COUNTING_NOTICE_MS);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    if (notice.shown) {
      await notice.shown;
      const seconds = ((Date.now() - started) / 1_000).toFixed(1);
      await respond({ ...ephemeral(`Counted in ${seconds} s.`), replace_original: true }).catch(() => undefined);
    }
  }
}

/**
 * Posts a recorded request's preview and ties the message to it. A preview that cannot be posted
 * leaves no request behind: nobody could see or approve it. Returns the message's ts.
 */
export async function postPreview(
  deps: ClearTelemetryDeps,
  requestId: number,
  channelId: string,
  message: SlackMessage,
): Promise<string> {
  let ts: string;
  try {
    ts = await post(deps, channelId, message);
  } catch (error) {
    await deps.ledger.remove(requestId);
    throw error;
  }
  await deps.ledger.attachMessage(requestId, channelId, ts);
  return ts;
}

export async function post(
  deps: ClearTelemetryDeps,
  channelId: string,
  message: Parameters<ClearTelemetryDeps['slack']['post']>[1],
): Promise<string> {
  try {
    return await deps.slack.post(channelId, message);
  } catch (error) {
    const code = platformError(error);
    if (code && CANNOT_POST.has(code)) {
      throw new NotAllowedError(
        `I cannot post in this channel (${code}). Invite me with \`/invite @clear-telemetry\`: a private channel needs an invitation, and public ones need the chat:write.public scope.`,
        { cause: error },
      );
    }
    throw error;
  }
}
