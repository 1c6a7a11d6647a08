import { usage } from '../../src/domain/plan/usage.js';
import { AlreadyDecidedError, ErrorCode, isCodedError, NotAllowedError } from '../../src/errors.js';
import type { AccessList } from '../../src/domain/request/access.js';
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

/** The one place errors become words for Slack; refusals under the approver rule name the approvers. */
export function errorText(error: unknown, approvers?: AccessList): string {
  if (!isCodedError(error)) return "Something went wrong, and nothing more was done. The error is in the bot's log.";
  if (error instanceof NotAllowedError && error.onlyApprovers && approvers) {
    return `Only ${namePeople(approvers)} can ${error.onlyApprovers} this purge.`;
  }
  if (error instanceof AlreadyDecidedError && error.decided)
    return `${error.decided.lead}: ${describeDecision(error.decided.request)}.`;
  switch (error.code) {
    case ErrorCode.Expired:
      return `${error.message} Run ${COMMAND} again for a fresh preview.`;
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
