import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { seedWebhooksSql } from '../../dev/postgres/django/fixtures.js';
import { withClient } from '../../dev/postgres/with-client.js';

export { withClient };

/** A maintenance connection that can create and drop databases. */
export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createDatabase(name: string, template?: string): Promise<string> {
  await withClient(ADMIN_URL, (admin) =>
    admin.query(`create database "${name}"${template ? ` template "${template}"` : ''}`),
  );
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(ADMIN_URL, (admin) => admin.query(`drop database if exists "${name}" with (force)`));
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Runs seed-webhooks.sql as psql would, with its `:rows` and `:pending` variables filled in. */
export async function seedWebhooks(client: pg.Client, rows: number, pending: number): Promise<void> {
  await client.query(seedWebhooksSql(rows, pending));
}

export interface ScratchDb {
  name: string;
  url: string;
  client: pg.Client;
  drop(): Promise<void>;
}

/** A database of its own for one test file, copied from the run's template (Django schema + migrations). */
export async function createScratchDb(template: string): Promise<ScratchDb> {
  const name = uniqueName('ct_test');
  const url = await createDatabase(name, template);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    client,
    async drop() {
      await client.end().catch(() => undefined);
      await dropDatabase(name);
    },
  };
}
