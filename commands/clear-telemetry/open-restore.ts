import type { RespondFn } from '@slack/bolt';
import { isAllowed } from '../../src/domain/request/access.js';
import { restorePlan, surveyRestore } from '../../src/domain/undo/restore.js';
import { audit } from '../../src/domain/audit.js';
import { checkReason } from '../../src/domain/request/reason.js';
import { NotAllowedError } from '../../src/errors.js';
import type { ClearTelemetryDeps } from './deps.js';
import { ephemeral, errorText } from './ephemeral.js';
import { postPreview } from './open-request.js';
import { restorePreviewMessage } from './preview-blocks.js';

export interface RestoreInput {
  /** The archived purge whose rows would come back. */
  purgeId: number;
  userId: string;
  channelId: string;
  teamId: string | null;
  /** `--reason`, when the restore was typed with one. */
  reason?: string | null;
}

/**
 * `/clear-telemetry restore N`, or the Restore button on an archived run's result: surveys the
 * archive, records a restore request and posts its preview in the channel, for a second person to
 * approve with the same rules as a purge. Problems go back to the asker only.
 */
export async function openRestore(deps: ClearTelemetryDeps, input: RestoreInput, respond: RespondFn): Promise<void> {
  const { purgeId, userId, channelId } = input;
  try {
    if (!(await isAllowed(deps.access.requesters, userId, deps.groupMembers))) {
      throw new NotAllowedError(
        'You are not allowed to request a restore (CLEAR_TELEMETRY_REQUESTERS). Ask an on-call lead.',
      );
    }
    checkReason(input.reason ?? null, deps.requireReason);
    const surveyed = await surveyRestore(deps.ledger, deps.archive, purgeId);
    if ('refusal' in surveyed) throw new NotAllowedError(`Cannot restore: ${surveyed.refusal}`);
    const { purge, survey } = surveyed;
    const now = deps.clock();
    const plan = restorePlan(purge.plan, survey, now);
    const expiresAt = new Date(now.getTime() + deps.access.approvalTtlMs);
    const request = await deps.ledger.create({
      source: 'slack',
      kind: 'restore',
      restoreOf: purgeId,
      plan,
      force: false,
      useCursor: false,
      requesterId: userId,
      teamId: input.teamId,
      channelId,
      expiresAt,
      reason: input.reason ?? null,
    });
    const options = {
      requestId: request.id,
      requesterId: userId,
      approvers: deps.access.approvers,
      breakGlass: deps.access.breakGlass,
      expiresAt,
      selfApproval: null,
      now,
      target: deps.target,
      reason: input.reason ?? null,
    };
    await postPreview(deps, request.id, channelId, restorePreviewMessage(purge, survey, plan, options));
    audit(deps.log, 'requested', {
      requestId: request.id,
      kind: 'restore',
      source: 'slack',
      restoreOf: purgeId,
      requester: userId,
      channel: channelId,
      rows: survey.rows,
      reason: input.reason ?? null,
    });
  } catch (error) {
    deps.log.warn({ err: error, user: userId, channel: channelId }, 'restore refused');
    await respond(ephemeral(errorText(error)));
  }
}
