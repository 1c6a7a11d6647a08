import { usage } from '../../src/domain/clear-args.js';
import { ErrorCode, isCodedError } from '../../src/errors.js';
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

/** The one place errors become words for Slack. */
export function errorText(error: unknown): string {
  if (!isCodedError(error)) return 'Something went wrong, and nothing more was done. The error is in the bot\'s log.';
  switch (error.code) {
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
