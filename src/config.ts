import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { PurgeSettings } from './domain/purge.js';
import type { PlanPolicy } from './domain/plan.js';
import { accessList, type AccessList } from './domain/access.js';

/**
 * Every environment variable is read here, once, into frozen typed objects. A bad value stops the
 * program with one line that names the variable and says how to fix it.
 */

export type Env = Record<string, string | undefined>;

const postgresUrl = z
  .string({ error: 'is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname' })
  .refine(isPostgresUrl, {
    error: 'is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname',
  });

/** A whole number of at least `min`, given as digits (thousands separators `_` or `,` allowed). */
export function wholeNumber(fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const digits = value.replace(/[_,]/g, '');
      const n = /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
        ctx.addIssue({ code: 'custom', message: `must be a whole number ${range} (got '${value}')` });
        return z.NEVER;
      }
      return n;
    });
}

/** Parses the named variables; unset and empty are the same. */
export function parseEnv<Shape extends z.ZodRawShape>(shape: Shape, env: Env): Readonly<z.output<z.ZodObject<Shape>>> {
  const input = Object.fromEntries(Object.keys(shape).map((key) => [key, env[key]?.trim() || undefined]));
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`${name} ${issue?.message ?? 'is invalid'}`);
  }
  return Object.freeze(result.data);
}

export interface DatabaseConfig {
  databaseUrl: string;
}

export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const { DATABASE_URL } = parseEnv({ DATABASE_URL: postgresUrl }, env);
  return Object.freeze({ databaseUrl: DATABASE_URL });
}

/** `250ms`, `900s`, `15m`, `1h`, or a bare number in `unit`. */
export function duration(fallbackMs: number, unit: 'ms' | 's' | 'm' = 'm') {
  const scale = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallbackMs;
      const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(value);
      const ms = match ? Number(match[1]) * scale[(match[2] ?? unit) as keyof typeof scale] : 0;
      if (ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 15m, 900s or 1h (got '${value}')` });
        return z.NEVER;
      }
      return ms;
    });
}

/** How runs survive: heartbeats, the janitor that finds dead runs, shutdown. */
export interface RunSettings {
  /** A running request whose heartbeat is older than this is declared interrupted. */
  staleAfterMs: number;
  /** How often each process looks for stale runs, queued requests and undelivered Slack notices. */
  janitorEveryMs: number;
  /** Pause after a batch that took more than four times the target. */
  slowBatchCooldownMs: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

export interface PurgeConfig {
  plan: PlanPolicy;
  purge: PurgeSettings;
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
      CLEAR_TELEMETRY_STALE_AFTER: duration(30_000, 's'),
      CLEAR_TELEMETRY_JANITOR_EVERY: duration(5_000, 's'),
      CLEAR_TELEMETRY_SLOW_BATCH_COOLDOWN: duration(5_000, 's'),
      CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT: duration(20_000, 's'),
    },
    env,
  );
  const pace = {
    maxRowsPerSecond: vars.CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND,
    batchPauseMs: vars.CLEAR_TELEMETRY_BATCH_PAUSE_MS,
    batchPausePercent: vars.CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT,
  };
  return Object.freeze({
    plan: { nativeMaxRows: vars.CLEAR_TELEMETRY_NATIVE_MAX_ROWS, ...pace },
    purge: {
      ...pace,
      batchTimeouts: { statementMs: vars.CLEAR_TELEMETRY_BATCH_STATEMENT_TIMEOUT_MS, lockMs: vars.CLEAR_TELEMETRY_LOCK_TIMEOUT_MS },
      nativeTimeouts: { statementMs: vars.CLEAR_TELEMETRY_NATIVE_STATEMENT_TIMEOUT_MS, lockMs: vars.CLEAR_TELEMETRY_LOCK_TIMEOUT_MS },
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
    },
  });
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
  } catch {
    return false;
  }
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export interface SlackConfig {
  /** Socket Mode when an app-level token is set; otherwise HTTP on `port`. */
  mode: 'socket' | 'http';
  botToken: string;
  signingSecret: string | null;
  appToken: string | null;
  port: number;
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

const token = (prefix: string, what: string) =>
  z
    .string({ error: `is missing. Set it to the ${what} (${prefix}…) from the Slack app's settings` })
    .refine((value) => value.startsWith(prefix), { error: `must start with ${prefix} (it is the ${what})` });

/** A comma-separated list of Slack IDs matching `pattern`; unset gives null. */
function idList(pattern: RegExp, what: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return null;
      const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
      const bad = ids.find((id) => !pattern.test(id));
      if (bad !== undefined || ids.length === 0) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${what} (got '${bad ?? value}')` });
        return z.NEVER;
      }
      return ids;
    });
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
        : z.string({ error: "is missing. HTTP mode needs it to verify Slack's requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode" }),
      PORT: wholeNumber(3000, 1, 65_535),
      SLACK_API_URL: z
        .string()
        .optional()
        .refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), { error: 'must be an http(s) URL, e.g. https://slack.com/api/' })
        .transform((value) => (value === undefined ? DEFAULT_SLACK_API_URL : value.replace(/\/*$/, '/'))),
      CLEAR_TELEMETRY_CHANNELS: idList(/^[CGD][A-Z0-9]+$/, 'channel IDs (C…, G…)'),
      CLEAR_TELEMETRY_REQUESTERS: people(),
      CLEAR_TELEMETRY_APPROVERS: people(),
      CLEAR_TELEMETRY_BREAK_GLASS: people(),
      CLEAR_TELEMETRY_APPROVAL_TTL: duration(15 * 60_000, 'm'),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
      REDIS_URL: z
        .string()
        .optional()
        .refine((value) => value === undefined || /^rediss?:\/\/\S+$/.test(value), { error: 'must be a redis:// URL, e.g. redis://127.0.0.1:6379' }),
    },
    env,
  );
  const list = (ids: string[] | null, whenUnset: 'anyone' | 'nobody'): AccessList => (ids ? accessList(ids) : { kind: whenUnset });
  return Object.freeze({
    mode: socket ? 'socket' : 'http',
    botToken: vars.SLACK_BOT_TOKEN,
    signingSecret: vars.SLACK_SIGNING_SECRET ?? null,
    appToken: vars.SLACK_APP_TOKEN ?? null,
    port: vars.PORT,
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
