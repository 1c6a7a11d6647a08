import { initORM } from '../../src/db/init-orm.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { djangoSchemaSql } from './django/fixtures.js';
import { withClient } from './with-client.js';

/** An empty database made ready to purge: the Django table as production has it, then the bot's migrations. */
export async function prepareDatabase(url: string): Promise<void> {
  await withClient(url, (client) => client.query(djangoSchemaSql()));
  const orm = await initORM(url);
  try {
    await applyMigrations(orm, url);
  } finally {
    await orm.close(true);
  }
}
