import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from './sql.js';

/**
 * A `Sql` on MikroORM's pool: each statement on a fork of `em` (no shared identity map), a
 * transaction on one pooled connection, and the statements inside it on that transaction.
 */
export function mikroSql(em: EntityManager, inTransaction = false): Sql {
  const on = () => (inTransaction ? em : em.fork());
  return {
    rows: <T>(text: string, params: readonly unknown[] = []) => on().execute<T[]>(text, [...params]),
    affected: async (text, params = []) =>
      (await on().execute<{ affectedRows: number }>(text, [...params], 'run')).affectedRows,
    transaction: (work) => on().transactional((tx) => work(mikroSql(tx, true))),
  };
}
