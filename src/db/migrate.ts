import type { MikroORM } from '@mikro-orm/postgresql';
import type { Migrator } from '@mikro-orm/migrations';
import { withDbErrors } from './db-errors.js';
import { connectPlain } from './sql.js';

/** One key for every process of this app: replicas starting together apply migrations one at a time. */
const MIGRATION_LOCK = 'clear-telemetry:migrations';

/**
 * The ORM's migrator, with the bot's migrations: listed in code rather than globbed from disk (tsc,
 * tsx and vitest all see the same ones), and loaded only here, as MikroORM loads the migrator.
 */
export async function migrator(orm: MikroORM): Promise<Migrator> {
  const { MIGRATIONS } = await import('./migrations/index.js');
  orm.config.set('migrations', { ...orm.config.get('migrations'), migrationsList: MIGRATIONS });
  return orm.migrator as Migrator;
}

/**
 * Applies the bot's pending migrations (never the Django table's: it is not in any migration).
 * Idempotent, and safe from several processes at once: a session-level advisory lock, held on a
 * connection of its own, serialises them, and PostgreSQL releases it if the process dies.
 */
export async function applyMigrations(orm: MikroORM, databaseUrl: string): Promise<string[]> {
  const lock = await connectPlain(databaseUrl, 'clear-telemetry migrate');
  try {
    await withDbErrors(() => lock.query('select pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]));
    const applied = await withDbErrors(async () => (await migrator(orm)).up());
    return applied.map((migration) => migration.name);
  } finally {
    await lock.end().catch(() => undefined);
  }
}

export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  const pending = await withDbErrors(async () => (await migrator(orm)).getPendingMigrations());
  return pending.map((migration) => migration.name);
}
