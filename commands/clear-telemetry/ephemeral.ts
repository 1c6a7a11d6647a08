import { usage } from '../../src/domain/plan/usage.js';
import { AlreadyDecidedError } from '../../src/domain/request/approval.js';
import {
  ErrorCode,
  isCodedError,
  ExpiredError,
  NotAllowedError,
  SelfApprovalError,
  type OnlyWho,
} from '../../src/errors.js';
import type { ClearTelemetryDeps } from './deps.js';
import { describeDecision, namePeople } from './sentences.js';
import { echo } from './block-kit.js';
import { COMMAND } from './ids.js';

/** Ephemeral replies: only the person who typed or clicked sees them. */
export function ephemeral(text: string) {
  return { response_type: 'ephemeral' as const, replace_original: false, text };
}

/** The usage, after the problem with what was typed: a usage problem quotes the user's own text, so it is echoed inert and short. */
export function usageText(problem?: string): string {
  return `${problem ? `${echo(problem, 300)}\n\n` : ''}\`\`\`${usage(COMMAND)}\`\`\``;
}

/** The access lists a refusal may name people from. */
type Access = Pick<ClearTelemetryDeps['access'], 'approvers' | 'breakGlass'>;

/** The one place errors become words for Slack; refusals under an access rule name the people who may act. */
export function errorText(error: unknown, access?: Access): string {
  if (!isCodedError(error)) return "Something went wrong, and nothing more was done. The error is in the bot's log.";
  if ((error instanceof NotAllowedError || error instanceof SelfApprovalError) && error.only && access) {
    return whoMayText(error, error.only, access);
  }
  if (error instanceof AlreadyDecidedError && error.decided)
    return `${error.decided.lead}: ${describeDecision(error.decided.request)}.`;
  switch (error.code) {
    case ErrorCode.Expired:
      return error instanceof ExpiredError && error.again
        ? `${error.message} To ask again, \`${COMMAND} ${error.again}\` previews it afresh.`
        : error.message;
    case ErrorCode.Usage:
      return usageText(error.message);
    case ErrorCode.DatabaseUnavailable:
    case ErrorCode.ConnectionLost:
    case ErrorCode.PermissionDenied:
      return `The database cannot be used right now: ${error.message}`;
    default:
      return error.message;
  }
}

/** "Only a break-glass user can approve it: ask <@U1>." A refusal that says what to do next. */
function whoMayText(error: Error, only: OnlyWho, access: Access): string {
  const list = only.who === 'breakGlass' ? access.breakGlass : access.approvers;
  const what = only.who === 'breakGlass' ? 'a break-glass user' : 'an approver';
  const lead =
    error instanceof SelfApprovalError
      ? `You made this request, so ${only.who === 'breakGlass' ? 'a break-glass user' : 'another person'} must ${only.to} it`
      : only.who === 'breakGlass'
        ? `This request is over the row cap, so only ${what} can ${only.to} it`
        : `Only approvers can ${only.to} this request`;
  if (list.kind === 'nobody') {
    const variable = only.who === 'breakGlass' ? 'CLEAR_TELEMETRY_BREAK_GLASS' : 'CLEAR_TELEMETRY_APPROVERS';
    return `${lead}, and none is set up yet (${variable} is empty): ask whoever deploys the bot.`;
  }
  const force =
    error instanceof SelfApprovalError && error.message.includes('--force')
      ? ' (--force lets only break-glass users approve their own request.)'
      : '';
  return `${lead}: ask ${namePeople(list, only.except)}.${force}`;
}
