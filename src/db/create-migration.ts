/**
 * Development only: `npm run migration:create` diffs the entities against DATABASE_URL (with every
 * committed migration applied) and writes a new migration file. Register it in migrations/index.ts.
 */
import { loadDatabaseConfig } from '../config.js';
import { initORM } from './init-orm.js';
import { applyMigrations, migrator } from './migrate.js';

const { databaseUrl } = loadDatabaseConfig();
const orm = await initORM(databaseUrl);
try {
  await applyMigrations(orm, databaseUrl);
  const result = await (await migrator(orm)).createMigration('src/db/migrations');
  console.log(
    result.fileName ? `Wrote src/db/migrations/${result.fileName}; add it to migrations/index.ts` : 'No changes.',
  );
} finally {
  await orm.close(true);
}
