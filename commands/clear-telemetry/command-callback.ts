import type { AllMiddlewareArgs, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseClearArgs, splitCommandText, type ClearArgs } from '../../src/domain/plan/clear-args.js';
import { UsageError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import type { ClearTelemetryDeps } from './deps.js';
import { controlByCommand } from './decide-request.js';
import { openRequest } from './open-request.js';
import { helpAndStatus, lookBack } from './status-and-history.js';
import { ephemeral, errorText, usageText } from './ephemeral.js';
import { openRestore } from './open-restore.js';
import { typedText } from './block-kit.js';

/** /clear-telemetry: parse and check the channel without I/O, ack at once, then do the work. */
export function commandCallback(deps: ClearTelemetryDeps) {
  return async ({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    let args: ClearArgs;
    try {
      // A payload without `text` is an empty command, not a crash before the ack.
      args = parseClearArgs(splitCommandText(typedText(command.text ?? '')));
      refuseTerminalOnly(args);
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
    const who = { userId: command.user_id, channelId: command.channel_id, teamId: command.team_id || null };
    await route(deps, args, who, respond);
  };
}

async function route(
  deps: ClearTelemetryDeps,
  args: ClearArgs,
  who: { userId: string; channelId: string; teamId: string | null },
  respond: RespondFn,
): Promise<void> {
  switch (args.command) {
    case 'purge':
      // A deletion request must name its rows: the bare command is what a newcomer types first.
      if (args.status === null) return helpAndStatus(deps, who.userId, respond);
      return openRequest(deps, { args: { ...args, status: args.status }, ...who }, respond);
    case 'restore':
      return openRestore(deps, { purgeId: args.requestId ?? 0, reason: args.reason, ...who }, respond);
    case 'status':
    case 'history':
      return lookBack(deps, args, who.userId, respond);
    case 'stop':
    case 'pause':
    case 'continue':
    case 'resume':
    case 'cancel':
      return controlByCommand(deps, args.command, { ...who, requestId: args.requestId }, respond);
    case 'migrate':
    case 'policies':
      return;
  }
}

/** What only the terminal does, refused before the ack with the usage. */
function refuseTerminalOnly(args: ClearArgs): void {
  if (args.command === 'migrate' || args.command === 'policies') {
    throw new UsageError(`${args.command} runs in the terminal only: clear-telemetry ${args.command}.`);
  }
  if (args.unrecorded) {
    throw new UsageError('--unrecorded is for the terminal only: the bot always records its runs.');
  }
  if (args.json) throw new UsageError('--json is for the terminal only.');
}
