/** `npm run migrate`: applies the bot's own migrations to DATABASE_URL. */
import { loadDatabaseConfig } from '../config.js';
import { describeError } from '../describe-error.js';
import { initORM } from './init-orm.js';
import { applyMigrations } from './migrate.js';

try {
  const { databaseUrl } = loadDatabaseConfig();
  const orm = await initORM(databaseUrl);
  try {
    const applied = await applyMigrations(orm, databaseUrl);
    console.log(
      applied.length > 0
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
        : 'The database is up to date.',
    );
  } finally {
    await orm.close(true);
  }
} catch (error) {
  console.error(`migrate: ${describeError(error)}`);
  process.exitCode = 1;
}
