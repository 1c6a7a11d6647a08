import { z } from 'zod';
import { ConfigError } from './errors.js';

/** Parsers for environment values: each failure is one sentence that follows the variable's name. */

export type Env = Record<string, string | undefined>;

export const postgresUrl = z
  .string({
    error:
      'is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname',
  })
  .refine((value) => !/^[a-z]+:\/\/[^/]*@[^/]*@/i.test(value), {
    error:
      "has an '@' in its user or password: write it as %40 (and ':' as %3A, '/' as %2F), e.g. postgres://user:p%40ss@host:5432/dbname",
    abort: true,
  })
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

/** One of a few words, any case; unset means `fallback`. */
export function oneOf<const T extends string>(words: readonly T[], fallback: T) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const word = words.find((candidate) => candidate === value.trim().toLowerCase());
      if (word === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be ${words.slice(0, -1).join(', ')} or ${words.at(-1)} (got '${value}')`,
        });
        return z.NEVER;
      }
      return word;
    });
}

/** Parses the named variables; unset and empty are the same. */
export function parseEnv<Shape extends z.ZodRawShape>(shape: Shape, env: Env): Readonly<z.output<z.ZodObject<Shape>>> {
  const input = Object.fromEntries(Object.keys(shape).map((key) => [key, env[key]?.trim() || undefined]));
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    // Every problem at once: fixing one variable per attempt is four restarts for four mistakes.
    throw configErrors(
      result.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}

/** One ConfigError for several problems: a count, then one line each. */
export function configErrors(problems: readonly string[]): ConfigError {
  const message =
    problems.length === 1
      ? (problems[0] ?? '')
      : `${problems.length} configuration problems:\n${problems.map((line) => `  ${line}`).join('\n')}`;
  return new ConfigError(message, { problems });
}

/** Runs every loader and reports all their problems together; returns their results in order. */
export function loadAll<T extends unknown[]>(...loaders: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const results = loaders.map((load) => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw configErrors(problems);
  return results as T;
}

/** `250ms`, `900s`, `15m`, `1h`, or a bare number in `unit`. */
export function duration(fallbackMs: number, unit: 'ms' | 's' | 'm' = 'm', options: { zero?: boolean } = {}) {
  const scale = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallbackMs;
      const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(value);
      const ms = match ? Number(match[1]) * scale[(match[2] ?? unit) as keyof typeof scale] : -1;
      if (ms < 0 || (ms === 0 && !options.zero)) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 15m, 900s or 1h (got '${value}')` });
        return z.NEVER;
      }
      return ms;
    });
}

export const token = (prefix: string, what: string) =>
  z
    .string({ error: `is missing. Set it to the ${what} (${prefix}…) from the Slack app's settings` })
    .refine((value) => value.startsWith(prefix), { error: `must start with ${prefix} (it is the ${what})` });

/** A comma-separated list of Slack IDs matching `pattern`; unset gives null. */
export function idList(pattern: RegExp, what: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return null;
      const ids = value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      const bad = ids.find((id) => !pattern.test(id));
      if (bad !== undefined || ids.length === 0) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${what} (got '${bad ?? value}')` });
        return z.NEVER;
      }
      return ids;
    });
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1
    );
  } catch {
    return false;
  }
}
