import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseClearArgs, splitCommandText } from '../../src/domain/plan/clear-args.js';
import { UsageError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import type { ClearTelemetryDeps } from './deps.js';
import { openRequest } from './open-request.js';
import { lookBack } from './status-and-history.js';
import { ephemeral, errorText, usageText } from './ephemeral.js';
import { openRestore } from './open-restore.js';

/** /clear-telemetry: parse and check the channel without I/O, ack at once, then do the work. */
export function commandCallback(deps: ClearTelemetryDeps) {
  return async ({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    let args;
    try {
      // A payload without `text` is an empty command, not a crash before the ack.
      args = parseClearArgs(splitCommandText(command.text ?? ''));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      await ack(ephemeral(errorText(error)));
      return;
    }
    if (args.help) return ack(ephemeral(usageText()));
    if (args.version) return ack(ephemeral(`clear-telemetry ${VERSION}`));
    const { channels } = deps.access;
    if (channels && !channels.includes(command.channel_id)) {
      return ack(
        ephemeral(
          `This command is not enabled in this channel. Use it in ${channels.map((id) => `<#${id}>`).join(', ')}.`,
        ),
      );
    }
    await ack();
    if (args.command === 'restore' && args.requestId !== null) {
      return openRestore(
        deps,
        {
          purgeId: args.requestId,
          userId: command.user_id,
          channelId: command.channel_id,
          teamId: command.team_id || null,
        },
        respond,
      );
    }
    if (args.command !== 'purge') return lookBack(deps, args, command.user_id, respond);
    await openRequest(
      deps,
      { args, userId: command.user_id, channelId: command.channel_id, teamId: command.team_id || null },
      respond,
    );
  };
}
