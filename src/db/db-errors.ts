import {
  ConnectionLostError,
  DatabaseError,
  DatabaseUnavailableError,
  LockTimeoutError,
  MissingTableError,
  PermissionDeniedError,
  StatementTimeoutError,
  isCodedError,
} from '../errors.js';

/** SQLSTATE codes and socket errors that mean the connection itself failed. */
const CONNECTION_LOST = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '08001', '08004']);

/**
 * Turns a driver error into the domain's coded errors, so the runner and the surfaces never look
 * at SQLSTATE codes. Unknown errors pass through unchanged.
 */
export function translateDbError(error: unknown): unknown {
  if (!(error instanceof Error) || isCodedError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const detail = driverMessage(error.message);
  switch (typeof code === 'string' ? code : '') {
    case '57014':
      return new StatementTimeoutError(`statement timeout: ${detail}`, { cause: error });
    case '55P03':
      return new LockTimeoutError(`lock timeout: ${detail}`, { cause: error });
    case '42501':
      return new PermissionDeniedError(
        `permission denied: ${detail}. The database user needs SELECT and DELETE on assignments_learnpackwebhook, and SELECT, INSERT, UPDATE, DELETE on the clear_telemetry_* tables (docs/configuration.md).`,
        { cause: error },
      );
    case '28P01':
    case '28000':
      return new DatabaseUnavailableError(
        `the database refused the login: ${detail}. Check the user and password in DATABASE_URL.`,
        false,
        { cause: error },
      );
    case '3D000':
      return new DatabaseUnavailableError(`${detail}. Check the database name in DATABASE_URL.`, false, {
        cause: error,
      });
    case '42P01':
      return missingTable(detail, error);
  }
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new DatabaseUnavailableError(
      `cannot reach the database (${code}). Check DATABASE_URL and that PostgreSQL is running.`,
      true,
      { cause: error },
    );
  }
  if (/does not support SSL/i.test(error.message)) {
    return new DatabaseUnavailableError(
      "the server does not offer TLS, which DATABASE_URL's sslmode asks for. Drop sslmode (or set it to disable), or turn ssl on in the server.",
      false,
      { cause: error },
    );
  }
  if (SILENT.test(error.message)) {
    return new DatabaseUnavailableError(
      `the database did not answer within ${CONNECT_TIMEOUT_MS / 1_000} s. Check DATABASE_URL, and that PostgreSQL is up and not overloaded.`,
      true,
      { cause: error },
    );
  }
  if ((typeof code === 'string' && CONNECTION_LOST.has(code)) || LOST.test(error.message)) {
    return new ConnectionLostError(`the database connection was lost: ${detail}`, { cause: error });
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return new DatabaseError(code, sqlStateCategory(code), { cause: error });
  return error;
}

/**
 * Every way pg, knex and MikroORM say that a connection died under a statement or between the
 * statements of a transaction: pg's own words, a client that is "not queryable" after an error, and
 * knex's transaction that was completed (rolled back) by the connection's death before our next
 * statement reached it. None of them is about the statement itself, so each is worth a retry.
 */
const LOST =
  /Connection terminated|connection.*closed|not queryable|Transaction query already complete|Connection ended unexpectedly|socket has been ended|ECONNRESET|EPIPE/i;

/** How long a connection may take to open, and a pool to hand one out, before the database counts as silent. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** pg's connect timeout and knex's pool timeout: both mean nothing answered. */
const SILENT = /timeout expired|connection timeout|Timeout acquiring a connection/i;

function missingTable(detail: string, cause: Error): MissingTableError {
  const table = /relation "([^"]+)"/.exec(detail)?.[1] ?? null;
  const advice =
    table === null || table.startsWith('clear_telemetry_')
      ? "The bot's own tables are missing: run `npm run migrate` against DATABASE_URL."
      : `${table} belongs to the Django app, which creates it; DATABASE_URL probably points at the wrong database.`;
  return new MissingTableError(`${detail}. ${advice}`, table, { cause });
}

/** Runs `work`, translating whatever the driver throws. */
export async function withDbErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateDbError(error);
  }
}

/** MikroORM prefixes the driver's message with the SQL (`<sql> - <message>`); keep the message. */
function driverMessage(message: string): string {
  const separator = message.lastIndexOf(' - ');
  return (separator >= 0 ? message.slice(separator + 3) : message).trim().split('\n')[0] ?? message;
}

/** A few words for a SQLSTATE: the code's own name where we know it, else its class's. */
export function sqlStateCategory(sqlState: string): string {
  const named: Record<string, string> = {
    '23503': 'foreign key',
    '23505': 'unique violation',
    '23514': 'check violation',
    '40001': 'serialization failure',
    '40P01': 'deadlock',
    '53100': 'disk full',
    '53200': 'out of memory',
    '53300': 'too many connections',
    P0001: 'raised by a trigger or function',
  };
  const classes: Record<string, string> = {
    '22': 'data exception',
    '23': 'integrity constraint',
    '25': 'invalid transaction state',
    '40': 'transaction rollback',
    '42': 'syntax or access rule',
    '53': 'insufficient resources',
    '54': 'program limit exceeded',
    '55': 'object not in prerequisite state',
    '58': 'system error',
    P0: 'PL/pgSQL error',
    XX: 'internal error',
  };
  return named[sqlState] ?? classes[sqlState.slice(0, 2)] ?? 'unclassified';
}
