import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { ormConfig } from './mikro-orm.config.js';
import { translateDbError, withDbErrors } from './db-errors.js';
import { WEBHOOK_TABLE } from './entities/learnpack-webhook.js';
import { DatabaseUnavailableError, UnsupportedServerError } from '../errors.js';
import { databaseLabel } from './database-label.js';

/** `pg_current_snapshot()` and `xid8`, which bound every delete by the plan's snapshot, came in 13. */
export const SUPPORTED_POSTGRES = { oldest: 13, newest: 18 } as const;

/**
 * Starts MikroORM and checks the connection and the server's version, so a bad DATABASE_URL or an
 * old server fails here with one clear line that names the database.
 */
export async function initORM(databaseUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, { connect: false, ...overrides }));
  try {
    const [row] = await withDbErrors(() =>
      orm.em
        .getConnection()
        .execute<{ version: number; text: string; django: string | null }[]>(
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
    if (!row?.django) throw translateDbError(Object.assign(new Error(`relation "${WEBHOOK_TABLE}" does not exist`), { code: '42P01' }));
  } catch (error) {
    await orm.close(true);
    if (error instanceof DatabaseUnavailableError) {
      throw new DatabaseUnavailableError(`${databaseLabel(databaseUrl)}: ${error.message}`, error.transient, { cause: error.cause });
    }
    throw error;
  }
  return orm;
}
