import { translateDbError, withDbErrors } from './db-errors.js';
import { DatabaseUnavailableError, UnsupportedServerError } from '../errors.js';
import { databaseLabel } from './database-label.js';
import type pg from 'pg';
import { clientSql, connectPlain, type Sql } from './sql.js';
import { WEBHOOK_TABLE } from './tables.js';

/** `pg_current_snapshot()` and `xid8`, which bound every delete by the plan's snapshot, came in 13. */
export const SUPPORTED_POSTGRES = { oldest: 13, newest: 18 } as const;

/**
 * The first statement on a new connection: checks the server's version and that the Django table is
 * there, so a bad DATABASE_URL or an old server fails at once with one clear line naming the database.
 */
export async function checkServer(sql: Sql, databaseUrl: string): Promise<void> {
  try {
    const [row] = await withDbErrors(() =>
      sql.rows<{ version: number; text: string; django: string | null }>(
        `select current_setting('server_version_num')::int as version, current_setting('server_version') as text, to_regclass(?)::text as django`,
        [WEBHOOK_TABLE],
      ),
    );
    const major = Math.floor((row?.version ?? 0) / 10_000);
    if (major < SUPPORTED_POSTGRES.oldest) {
      throw new UnsupportedServerError(
        `${databaseLabel(databaseUrl)} runs PostgreSQL ${row?.text ?? 'of an unknown version'}; clear-telemetry needs PostgreSQL ${SUPPORTED_POSTGRES.oldest} to ${SUPPORTED_POSTGRES.newest}.`,
      );
    }
    // Every entry point (terminal, app, migrate) works on the Django table: refuse at once without it.
    if (!row?.django)
      throw translateDbError(Object.assign(new Error(`relation "${WEBHOOK_TABLE}" does not exist`), { code: '42P01' }));
  } catch (error) {
    throw named(error, databaseUrl);
  }
}

/** One plain `pg` connection, checked as MikroORM's pool is at start-up; the caller ends it. */
export async function connectChecked(databaseUrl: string): Promise<pg.Client> {
  const client = await connectPlain(databaseUrl).catch((error: unknown) => {
    throw named(error, databaseUrl);
  });
  try {
    await checkServer(clientSql(client), databaseUrl);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** A database that cannot be reached, said with its name. */
function named(error: unknown, databaseUrl: string): unknown {
  if (!(error instanceof DatabaseUnavailableError)) return error;
  return new DatabaseUnavailableError(`${databaseLabel(databaseUrl)}: ${error.message}`, error.transient, {
    cause: error.cause,
  });
}
