import type { AllMiddlewareArgs, BlockAction, ButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import { AlreadyDecidedError } from '../../src/domain/request/approval.js';
import { ephemeral, errorText } from './ephemeral.js';
import {
  checkClickSource,
  cancelRequest,
  confirmRequest,
  pauseRequest,
  resumeRequest,
  stopRequest,
  type Click,
} from './decide-request.js';
import type { ClearTelemetryDeps } from './deps.js';
import { requestIdFrom } from './ids.js';
import { openRestore } from './open-restore.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type Decide = (deps: ClearTelemetryDeps, click: Click, respond: RespondFn) => Promise<void>;

/** A button click: ack at once, then decide. The button value is only the request id. */
function buttonCallback(deps: ClearTelemetryDeps, decide: Decide) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const container = body.container as { channel_id?: string; message_ts?: string; thread_ts?: string } | undefined;
    const click = {
      userId: body.user.id,
      requestId: requestIdFrom(action.value),
      channelId: body.channel?.id ?? container?.channel_id ?? null,
      messageTs: body.message?.ts ?? container?.message_ts ?? null,
      threadTs: (body.message as { thread_ts?: string } | undefined)?.thread_ts ?? container?.thread_ts ?? null,
    };
    await decide(deps, click, respond);
  };
}

export const confirmCallback = (deps: ClearTelemetryDeps) => buttonCallback(deps, confirmRequest);
export const cancelCallback = (deps: ClearTelemetryDeps) => buttonCallback(deps, cancelRequest);
export const stopCallback = (deps: ClearTelemetryDeps) => buttonCallback(deps, stopRequest);
export const pauseCallback = (deps: ClearTelemetryDeps) => buttonCallback(deps, pauseRequest(true));
export const continueCallback = (deps: ClearTelemetryDeps) => buttonCallback(deps, pauseRequest(false));
export const resumeCallback = (deps: ClearTelemetryDeps) => buttonCallback(deps, resumeRequest);
/**
 * Restore on an archived run's result: a new restore request, previewed in the same channel. Like
 * every button, it acts only from the purge's own message, in a channel the command is allowed in.
 */
export const restoreCallback = (deps: ClearTelemetryDeps) =>
  buttonCallback(deps, async (deps, click, respond) => {
    try {
      const purge = click.requestId === null ? null : await deps.ledger.get(click.requestId);
      if (!purge || click.channelId === null)
        throw new AlreadyDecidedError('That purge is not in the ledger any more.');
      checkClickSource(purge, click, deps.access.channels);
      await openRestore(
        deps,
        { purgeId: purge.id, userId: click.userId, channelId: click.channelId, teamId: null },
        respond,
      );
    } catch (error) {
      deps.log.info({ err: error, requestId: click.requestId, user: click.userId }, 'click refused');
      await respond(ephemeral(errorText(error)));
    }
  });

/** A button this version does not know: acked (done before any listener), logged, nothing else. */
export const unknownActionCallback =
  (deps: ClearTelemetryDeps) =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    deps.log.warn(
      { actionId: 'action_id' in action ? action.action_id : null, user: body.user.id },
      'unknown action ignored',
    );
  };
