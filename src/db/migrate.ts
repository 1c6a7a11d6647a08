import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { withDbErrors } from './db-errors.js';

/** One key for every process of this app: replicas starting together apply migrations one at a time. */
const MIGRATION_LOCK = 'clear-telemetry:migrations';

/**
 * Applies the bot's pending migrations (never the Django table's: it is not in any migration).
 * Idempotent, and safe from several processes at once: a session-level advisory lock, held on a
 * connection of its own, serialises them, and PostgreSQL releases it if the process dies.
 */
export async function applyMigrations(orm: MikroORM, databaseUrl: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: databaseUrl, application_name: 'clear-telemetry migrate' });
  await withDbErrors(() => lock.connect());
  try {
    await withDbErrors(() => lock.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]));
    const applied = await withDbErrors(() => orm.getMigrator().up());
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end().catch(() => undefined);
  }
}

export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  const pending = await withDbErrors(() => orm.getMigrator().getPendingMigrations());
  return pending.map((migration) => migration.name);
}
