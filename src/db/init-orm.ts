import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { ormConfig } from './mikro-orm.config.js';
import { withDbErrors } from './db-errors.js';

/** Starts MikroORM and checks the connection, so a bad DATABASE_URL fails here with a clear message. */
export async function initORM(databaseUrl: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(databaseUrl, { connect: false, ...overrides }));
  try {
    await withDbErrors(() => orm.em.getConnection().execute('select 1'));
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
