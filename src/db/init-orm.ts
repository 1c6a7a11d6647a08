import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { ormConfig } from './mikro-orm.config.js';
import { checkServer } from './check-server.js';
import { mikroSql } from './mikro-sql.js';

/**
 * Starts MikroORM and checks the connection and the server's version, so a bad DATABASE_URL or an
 * old server fails here with one clear line that names the database.
 */
export async function initORM(databaseUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, { connect: false, ...overrides }));
  try {
    await checkServer(mikroSql(orm.em), databaseUrl);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
