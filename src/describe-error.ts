import { isCodedError } from './errors.js';

/** One line for a person: coded errors carry their own words; anything else gets its message (and stack under DEBUG). */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (process.env.DEBUG && error instanceof Error && !isCodedError(error)) return error.stack ?? message;
  return message;
}
