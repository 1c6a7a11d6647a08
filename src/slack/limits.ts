/**
 * How often the bot may call Slack. Each number enforces a documented limit; tests pass smaller ones.
 */
export interface SlackLimits {
  /**
   * chat.postMessage: "1 message per second to a specific channel"
   * (https://docs.slack.dev/reference/methods/chat.postMessage).
   */
  postSpacingMs: number;
  /**
   * chat.update of one message: Tier 3, and Slack asks for "once every 3 seconds with new content"
   * (https://docs.slack.dev/reference/methods/chat.update, https://docs.slack.dev/ai/developing-agents).
   */
  editSpacingMs: number;
  /** usergroups.users.list: Tier 2, 20+ per minute (https://docs.slack.dev/reference/methods/usergroups.users.list). */
  groupLookupsPerMinute: number;
  /** How long a user group's members are trusted before asking Slack again. */
  groupCacheMs: number;
  /** Attempts for a progress edit or preview post; the final edit and audit replies get `finalAttempts`. */
  attempts: number;
  /** About ten minutes of backoff: a final result survives a Slack outage of that length. */
  finalAttempts: number;
  /** Backoff after a 5xx or network error: doubling from `retryBaseMs`, at most `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a process owns an undelivered notice before any replica may deliver it instead. */
  noticeLeaseMs: number;
  /** Posts waiting for one channel before new previews are refused (audit replies still go first). */
  postQueuePerChannel: number;
}

export const SLACK_LIMITS: SlackLimits = {
  postSpacingMs: 1_000,
  editSpacingMs: 2_500,
  groupLookupsPerMinute: 20,
  groupCacheMs: 60_000,
  attempts: 3,
  finalAttempts: 25,
  retryBaseMs: 1_000,
  retryMaxMs: 30_000,
  noticeLeaseMs: 15 * 60_000,
  postQueuePerChannel: 200,
};
