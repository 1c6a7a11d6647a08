import { ErrorCode, type WebAPICallError } from '@slack/web-api';

/**
 * When to try a Slack call again, shared by every limiter (the octokit/plugin-throttling pattern:
 * Bottleneck's `failed` event returns the delay). Returns the wait in ms, or null to give up.
 *
 * - 429: wait exactly `Retry-After` (https://docs.slack.dev/apis/web-api/rate-limits).
 * - 5xx, timeouts and network errors: exponential backoff (from 1 s, capped at 30 s, by default).
 * - `ok: false` answers (invalid_blocks, message_not_found, ...): retrying cannot help.
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  maxAttempts: number,
  backoff = { retryBaseMs: 1_000, retryMaxMs: 30_000 },
): number | null {
  if (attempt >= maxAttempts) return null;
  const code = (error as Partial<WebAPICallError> | undefined)?.code;
  if (code === ErrorCode.RateLimitedError) return (error as { retryAfter: number }).retryAfter * 1_000;
  if (code === ErrorCode.HTTPError || code === ErrorCode.RequestError)
    return Math.min(backoff.retryMaxMs, backoff.retryBaseMs * 2 ** attempt);
  return null;
}

/** The `error` string of an `ok: false` answer, such as `not_in_channel`. */
export function platformError(error: unknown): string | null {
  const e = error as Partial<WebAPICallError> & { data?: { error?: string } };
  return e?.code === ErrorCode.PlatformError ? (e.data?.error ?? null) : null;
}
