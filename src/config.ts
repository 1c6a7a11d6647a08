import { z } from 'zod';
import { ConfigError } from './errors.js';
import { accessList, type AccessList } from './domain/request/access.js';
import type { PlanPolicy } from './domain/plan/plan.js';
import { DEFAULT_ARCHIVE_DAYS } from './domain/undo/undo.js';
import type { Target } from './domain/wording/sentences.js';
import { databaseLabel, databaseParts } from './db/database-label.js';
import type { BatchSettings } from './domain/run/batch-loop.js';
import type { RunSettings } from './domain/run/request-runner.js';
import { duration, idList, oneOf, parseEnv, postgresUrl, token, wholeNumber, type Env } from './env-values.js';

export type { Env };

/**
 * Every environment variable is read here, once, into frozen typed objects. A bad value stops the
 * program with one line that names the variable and says how to fix it.
 */

export interface DatabaseConfig {
  databaseUrl: string;
  /** What every plan, preview and result names: `database@host:port` (never the password) and the environment's label. */
  target: Target;
}

export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const { DATABASE_URL, CLEAR_TELEMETRY_ENVIRONMENT } = parseEnv(
    {
      DATABASE_URL: postgresUrl,
      CLEAR_TELEMETRY_ENVIRONMENT: z.string().max(40, 'must be at most 40 characters').optional(),
    },
    env,
  );
  return Object.freeze({
    databaseUrl: DATABASE_URL,
    target: {
      database: databaseLabel(DATABASE_URL),
      ...databaseParts(DATABASE_URL),
      environment: CLEAR_TELEMETRY_ENVIRONMENT ?? null,
    },
  });
}

export interface PurgeConfig {
  /** `statement_timeout` of a census (the per-status count behind every preview and plan). */
  censusTimeoutMs: number;
  /** CLEAR_TELEMETRY_REQUIRE_REASON: every request that deletes or restores must say why (--reason). */
  requireReason: boolean;
  plan: PlanPolicy;
  purge: BatchSettings;
  run: RunSettings;
}

export function loadPurgeConfig(env: Env = process.env): PurgeConfig {
  const vars = parseEnv(
    {
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: wholeNumber(50_000),
      CLEAR_TELEMETRY_BATCH_PAUSE_MS: wholeNumber(0, 0, 60_000),
      CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT: wholeNumber(10, 0, 1_000),
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: wholeNumber(0),
      CLEAR_TELEMETRY_BATCH_STATEMENT_TIMEOUT_MS: wholeNumber(5_000, 100),
      CLEAR_TELEMETRY_NATIVE_STATEMENT_TIMEOUT_MS: wholeNumber(30_000, 100),
      CLEAR_TELEMETRY_LOCK_TIMEOUT_MS: wholeNumber(2_000, 10),
      CLEAR_TELEMETRY_TARGET_BATCH_MS: wholeNumber(200, 10),
      CLEAR_TELEMETRY_MIN_BATCH_SIZE: wholeNumber(100, 1),
      CLEAR_TELEMETRY_LOCK_RETRIES: wholeNumber(8, 0, 100),
      CLEAR_TELEMETRY_CONNECTION_RETRIES: wholeNumber(5, 0, 100),
      CLEAR_TELEMETRY_STALE_AFTER: duration(15_000, 's'),
      CLEAR_TELEMETRY_JANITOR_EVERY: duration(5_000, 's'),
      CLEAR_TELEMETRY_SLOW_BATCH_COOLDOWN: duration(5_000, 's'),
      CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT: duration(20_000, 's'),
      CLEAR_TELEMETRY_CENSUS_TIMEOUT: duration(60_000, 's'),
      CLEAR_TELEMETRY_PENDING_MIN_AGE: duration(600_000, 'm', { zero: true }),
      CLEAR_TELEMETRY_MAX_ROWS: wholeNumber(0),
      CLEAR_TELEMETRY_REQUIRE_REASON: oneOf(['true', 'false'], 'false'),
      CLEAR_TELEMETRY_ARCHIVE: oneOf(['always', 'optional', 'never'], 'optional'),
      CLEAR_TELEMETRY_ARCHIVE_DAYS: wholeNumber(DEFAULT_ARCHIVE_DAYS, 1, 365),
      CLEAR_TELEMETRY_MAX_REPLICA_LAG: duration(10_000, 's'),
      CLEAR_TELEMETRY_MAX_REPLICA_LAG_BYTES: wholeNumber(256 * 1_024 * 1_024, 0, Number.MAX_SAFE_INTEGER),
    },
    env,
  );
  const pace = {
    maxRowsPerSecond: vars.CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND,
    batchPauseMs: vars.CLEAR_TELEMETRY_BATCH_PAUSE_MS,
    batchPausePercent: vars.CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT,
  };
  return Object.freeze({
    censusTimeoutMs: vars.CLEAR_TELEMETRY_CENSUS_TIMEOUT,
    requireReason: vars.CLEAR_TELEMETRY_REQUIRE_REASON === 'true',
    plan: {
      nativeMaxRows: vars.CLEAR_TELEMETRY_NATIVE_MAX_ROWS,
      pendingMinAgeMs: vars.CLEAR_TELEMETRY_PENDING_MIN_AGE,
      maxRows: vars.CLEAR_TELEMETRY_MAX_ROWS > 0 ? vars.CLEAR_TELEMETRY_MAX_ROWS : null,
      archiveMode: vars.CLEAR_TELEMETRY_ARCHIVE,
      archiveDays: vars.CLEAR_TELEMETRY_ARCHIVE_DAYS,
      ...pace,
    },
    purge: {
      ...pace,
      batchTimeouts: {
        statementMs: vars.CLEAR_TELEMETRY_BATCH_STATEMENT_TIMEOUT_MS,
        lockMs: vars.CLEAR_TELEMETRY_LOCK_TIMEOUT_MS,
      },
      nativeTimeouts: {
        statementMs: vars.CLEAR_TELEMETRY_NATIVE_STATEMENT_TIMEOUT_MS,
        lockMs: vars.CLEAR_TELEMETRY_LOCK_TIMEOUT_MS,
      },
      targetBatchMs: vars.CLEAR_TELEMETRY_TARGET_BATCH_MS,
      minBatchSize: vars.CLEAR_TELEMETRY_MIN_BATCH_SIZE,
      lockRetries: vars.CLEAR_TELEMETRY_LOCK_RETRIES,
      connectionRetries: vars.CLEAR_TELEMETRY_CONNECTION_RETRIES,
    },
    run: {
      staleAfterMs: vars.CLEAR_TELEMETRY_STALE_AFTER,
      janitorEveryMs: vars.CLEAR_TELEMETRY_JANITOR_EVERY,
      slowBatchCooldownMs: vars.CLEAR_TELEMETRY_SLOW_BATCH_COOLDOWN,
      shutdownTimeoutMs: vars.CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT,
      maxReplicaLagMs: vars.CLEAR_TELEMETRY_MAX_REPLICA_LAG,
      maxReplicaLagBytes: vars.CLEAR_TELEMETRY_MAX_REPLICA_LAG_BYTES,
    },
  });
}

export interface PolicyConfig {
  /** CLEAR_TELEMETRY_POLICIES: the retention policy file (YAML), or null for none. */
  file: string | null;
  /** CLEAR_TELEMETRY_POLICY_CATCH_UP: a slot missed while no replica ran still runs within this long. */
  catchUpMs: number;
}

export function loadPolicyConfig(env: Env = process.env): PolicyConfig {
  const vars = parseEnv(
    {
      CLEAR_TELEMETRY_POLICIES: z.string().min(1, 'must name a policy file (YAML)').optional(),
      CLEAR_TELEMETRY_POLICY_CATCH_UP: duration(3_600_000, 'm', { zero: true }),
    },
    env,
  );
  return Object.freeze({
    file: vars.CLEAR_TELEMETRY_POLICIES ?? null,
    catchUpMs: vars.CLEAR_TELEMETRY_POLICY_CATCH_UP,
  });
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

const slackApiUrl = () =>
  z
    .string()
    .optional()
    .refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), {
      error: 'must be an http(s) URL, e.g. https://slack.com/api/',
    })
    .transform((value) => (value === undefined ? DEFAULT_SLACK_API_URL : value.replace(/\/*$/, '/')));

/** Where terminal runs are announced: a channel and the bot's token. */
export interface AuditConfig {
  channel: string;
  botToken: string;
  apiUrl: string;
}

/**
 * CLEAR_TELEMETRY_AUDIT_CHANNEL with SLACK_BOT_TOKEN: terminal (break-glass) runs are announced
 * there, so none happens out of the channel's sight. Null when either is unset.
 */
export function loadAuditConfig(env: Env = process.env): AuditConfig | null {
  if (!env.CLEAR_TELEMETRY_AUDIT_CHANNEL?.trim()) return null;
  const vars = parseEnv(
    {
      CLEAR_TELEMETRY_AUDIT_CHANNEL: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a channel ID (C…, G…)'),
      SLACK_BOT_TOKEN: token('xoxb-', 'bot token (CLEAR_TELEMETRY_AUDIT_CHANNEL announces terminal runs with it)'),
      SLACK_API_URL: slackApiUrl(),
    },
    env,
  );
  return Object.freeze({
    channel: vars.CLEAR_TELEMETRY_AUDIT_CHANNEL,
    botToken: vars.SLACK_BOT_TOKEN,
    apiUrl: vars.SLACK_API_URL,
  });
}

export interface SlackConfig {
  /** Socket Mode when an app-level token is set; otherwise HTTP on `port`. */
  mode: 'socket' | 'http';
  botToken: string;
  signingSecret: string | null;
  appToken: string | null;
  /** Slack's requests (HTTP mode): the port a load balancer or ingress sends them to. */
  port: number;
  /** The operators' routes (/healthz, /readyz, /metrics), in both modes; never Slack's port. */
  opsPort: number;
  apiUrl: string;
  /** Channels where the command may be used; null means any. */
  channels: readonly string[] | null;
  requesters: AccessList;
  approvers: AccessList;
  breakGlass: AccessList;
  approvalTtlMs: number;
  logLevel: string;
  /** Shares Slack rate limits between replicas (Bottleneck clustering); null: each process limits itself. */
  redisUrl: string | null;
}

const people = () => idList(/^[UWS][A-Z0-9]+$/, 'user IDs (U…, W…) or user group IDs (S…)');

export function loadSlackConfig(env: Env = process.env): SlackConfig {
  const socket = Boolean(env.SLACK_APP_TOKEN?.trim());
  const vars = parseEnv(
    {
      SLACK_BOT_TOKEN: token('xoxb-', 'bot token'),
      SLACK_APP_TOKEN: socket ? token('xapp-', 'app-level token with connections:write') : z.undefined(),
      SLACK_SIGNING_SECRET: socket
        ? z.string().optional()
        : z.string({
            error:
              "is missing. HTTP mode needs it to verify Slack's requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode",
          }),
      PORT: wholeNumber(3000, 1, 65_535),
      OPS_PORT: wholeNumber(9090, 0, 65_535),
      SLACK_API_URL: slackApiUrl(),
      CLEAR_TELEMETRY_CHANNELS: idList(/^[CGD][A-Z0-9]+$/, 'channel IDs (C…, G…)'),
      CLEAR_TELEMETRY_REQUESTERS: people(),
      CLEAR_TELEMETRY_APPROVERS: people(),
      CLEAR_TELEMETRY_BREAK_GLASS: people(),
      CLEAR_TELEMETRY_APPROVAL_TTL: duration(15 * 60_000, 'm'),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
      REDIS_URL: z
        .string()
        .optional()
        .refine((value) => value === undefined || /^rediss?:\/\/\S+$/.test(value), {
          error: 'must be a redis:// URL, e.g. redis://127.0.0.1:6379',
        }),
    },
    env,
  );
  const list = (ids: string[] | null, whenUnset: 'anyone' | 'nobody'): AccessList =>
    ids ? accessList(ids) : { kind: whenUnset };
  if (!socket && vars.OPS_PORT !== 0 && vars.OPS_PORT === vars.PORT) {
    throw new ConfigError(
      `OPS_PORT is ${vars.OPS_PORT}, the same as PORT: the operators' routes (/healthz, /readyz, /metrics) must not share Slack's port. Set OPS_PORT to another, e.g. 9090.`,
    );
  }
  return Object.freeze({
    mode: socket ? 'socket' : 'http',
    botToken: vars.SLACK_BOT_TOKEN,
    signingSecret: vars.SLACK_SIGNING_SECRET ?? null,
    appToken: vars.SLACK_APP_TOKEN ?? null,
    port: vars.PORT,
    opsPort: vars.OPS_PORT,
    apiUrl: vars.SLACK_API_URL,
    channels: vars.CLEAR_TELEMETRY_CHANNELS,
    requesters: list(vars.CLEAR_TELEMETRY_REQUESTERS, 'anyone'),
    // Fail closed: with no approvers configured, nobody can confirm a purge.
    approvers: list(vars.CLEAR_TELEMETRY_APPROVERS, 'nobody'),
    breakGlass: list(vars.CLEAR_TELEMETRY_BREAK_GLASS, 'nobody'),
    approvalTtlMs: vars.CLEAR_TELEMETRY_APPROVAL_TTL,
    logLevel: vars.LOG_LEVEL ?? 'info',
    redisUrl: vars.REDIS_URL ?? null,
  } satisfies SlackConfig);
}
