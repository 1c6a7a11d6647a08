import { startApp, type RunningApp } from '../../src/start-app.js';
import { createLog, type Log } from '../../src/log.js';
import type { SlackLimits } from '../../src/slack/limits.js';
import type { PreviewLimitSettings } from '../../commands/clear-telemetry/index.js';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { FakeSlack, SIGNING_SECRET, SLACK_API_URL } from './fake-slack.js';
import { createScratchDb, type ScratchDb } from './scratch-db.js';
import { truncateAll } from './webhooks.js';

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
  postQueuePerChannel: 200,
};

export interface TestAppOptions {
  env?: Record<string, string>;
  limits?: Partial<SlackLimits>;
  /** Shifts the app's clock, e.g. past an approval's expiry. */
  clockOffsetMs?: () => number;
  janitorEveryMs?: number;
  runnerId?: string;
  identity?: { hostname: string; pid: number };
  previewLimits?: PreviewLimitSettings;
  /** The app's log (a test reading the audit stream passes one that keeps its lines). */
  log?: Log;
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
      // The seed's newest rows are minutes old: tests of other rules delete them all. The minimum age has tests of its own.
      CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
      ...options.env,
    },
    limits: { ...TEST_LIMITS, ...options.limits },
    clock: () => new Date(Date.now() + offset()),
    log: options.log ?? createLog(process.env.TEST_LOG ?? 'silent'),
    port: 0,
    opsPort: 0,
    janitorEveryMs: options.janitorEveryMs ?? 60_000,
    ...(options.runnerId ? { runnerId: options.runnerId } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    // Test files preview many times as one user; the per-user ration has its own test (hostile.test.ts).
    previewLimits: options.previewLimits ?? { perUserPerMinute: 1_000, waitingOnCensus: 50, censusReuseMs: 0 },
  });
}

/** Waits until the app has nothing in flight: no run executing, no Slack post or final edit queued. */
export async function settle(running: RunningApp): Promise<void> {
  await running.deps.runner.idle();
  await running.deps.slack.idle();
}

export interface TestAppContext {
  db: ScratchDb;
  app: RunningApp;
  /** Slack's port: signed requests go here. */
  port: number;
  /** The operators' port: /healthz, /readyz, /metrics. */
  opsPort: number;
  /** A fresh FakeSlack for every test. */
  slack: FakeSlack;
}

/**
 * One app for a test file, on a scratch database of its own: started before the file, given a
 * fresh FakeSlack and empty tables before each test, settled after each, stopped after the file.
 */
export function useTestApp(options: TestAppOptions = {}): TestAppContext {
  const ctx = {} as TestAppContext;
  beforeAll(async () => {
    ctx.db = await createScratchDb(inject('templateDb'));
    ctx.slack = new FakeSlack();
    ctx.app = await startTestApp(ctx.db.url, options);
    ctx.port = ctx.app.port ?? 0;
    ctx.opsPort = ctx.app.opsPort;
  });
  beforeEach(async () => {
    ctx.slack = new FakeSlack();
    await truncateAll(ctx.db.client);
  });
  afterEach(async () => {
    await settle(ctx.app);
  });
  afterAll(async () => {
    await ctx.app?.stop();
    await ctx.db?.drop();
  });
  return ctx;
}
