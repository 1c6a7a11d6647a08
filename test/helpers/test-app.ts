import { startApp, type RunningApp } from '../../src/start-app.js';
import { createLog } from '../../src/log.js';
import type { SlackLimits } from '../../src/slack/limits.js';
import { SIGNING_SECRET, SLACK_API_URL } from './fake-slack.js';

/** Small limits so tests run in seconds; the rules they enforce are the same. */
export const TEST_LIMITS: SlackLimits = {
  postSpacingMs: 20,
  editSpacingMs: 300,
  groupLookupsPerMinute: 1_000,
  groupCacheMs: 60_000,
  attempts: 3,
  finalAttempts: 25,
  retryBaseMs: 250,
  retryMaxMs: 2_000,
  noticeLeaseMs: 60_000,
};

export interface TestAppOptions {
  env?: Record<string, string>;
  limits?: Partial<SlackLimits>;
  /** Shifts the app's clock, e.g. past an approval's expiry. */
  clockOffsetMs?: () => number;
  janitorEveryMs?: number;
  runnerId?: string;
}

/** The real app in HTTP mode on a free port, against a scratch database and FakeSlack. */
export function startTestApp(databaseUrl: string, options: TestAppOptions = {}): Promise<RunningApp> {
  const offset = options.clockOffsetMs ?? (() => 0);
  return startApp({
    env: {
      DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: SLACK_API_URL.replace(/\/$/, ''),
      CLEAR_TELEMETRY_APPROVERS: 'UAPPROVER,UAPPROVER2,SONCALL',
      CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT: '0',
      ...options.env,
    },
    limits: { ...TEST_LIMITS, ...options.limits },
    clock: () => new Date(Date.now() + offset()),
    log: createLog(process.env.TEST_LOG ?? 'silent'),
    port: 0,
    janitorEveryMs: options.janitorEveryMs ?? 60_000,
    ...(options.runnerId ? { runnerId: options.runnerId } : {}),
  });
}

/** Waits until the app has nothing in flight: no run executing, no Slack post or final edit queued. */
export async function settle(running: RunningApp): Promise<void> {
  await running.deps.runner.idle();
  await running.deps.slack.idle();
}
