import pg from 'pg';
import { CONNECT_TIMEOUT_MS, withDbErrors } from './db-errors.js';
import { pgConnection } from './tls.js';

/**
 * What the webhook table's statements need from a connection: rows, a row count, a transaction.
 * Statements use `?` placeholders (knex's, which MikroORM passes them to). Two adapters: MikroORM's
 * (`mikro-sql.ts`, the app and recorded runs) and a bare `pg` client (below), so a preview or a dry
 * run never loads MikroORM and knex (about half a second of start-up).
 */
export interface Sql {
  rows<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Rows an INSERT, UPDATE or DELETE touched. */
  affected(text: string, params?: readonly unknown[]): Promise<number>;
  /** `work` in one transaction, on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

/** `?` placeholders as pg's `$1, $2, …`. The statements are constants of this project, none with a literal `?`. */
export function positional(text: string): string {
  let n = 0;
  return text.replaceAll('?', () => `$${++n}`);
}

/** A `Sql` on one plain `pg` client, which the caller owns. Its transactions cannot nest. */
export function clientSql(client: pg.Client): Sql {
  const query = (text: string, params: readonly unknown[] = []) => client.query(positional(text), [...params]);
  const sql: Sql = {
    rows: async <T>(text: string, params?: readonly unknown[]) => (await query(text, params)).rows as T[],
    affected: async (text, params) => (await query(text, params)).rowCount ?? 0,
    transaction: async (work) => {
      await client.query('begin');
      try {
        const result = await work(sql);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      }
    },
  };
  return sql;
}

/**
 * One plain connection, named in pg_stat_activity like the pool's, with the same connect timeout
 * and the same TLS.
 */
export async function connectPlain(databaseUrl: string, applicationName = 'clear-telemetry'): Promise<pg.Client> {
  const client = new pg.Client({
    ...pgConnection(databaseUrl),
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle client whose server goes away emits 'error'; the next query reports it instead.
  client.on('error', () => undefined);
  await withDbErrors(() => client.connect());
  return client;
}
