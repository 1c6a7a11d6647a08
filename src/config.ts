import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { PurgeSettings } from './domain/purge.js';
import type { PlanPolicy } from './domain/plan.js';

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

export interface PurgeConfig {
  plan: PlanPolicy;
  purge: PurgeSettings;
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
