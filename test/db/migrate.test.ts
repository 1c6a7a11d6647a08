import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initORM } from '../../src/db/init-orm.js';
import { applyMigrations, pendingMigrations } from '../../src/db/migrate.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { djangoSchemaSql } from '../../dev/postgres/django/fixtures.js';
import { createDatabase, dropDatabase, uniqueName, withClient } from '../helpers/scratch-db.js';

const name = uniqueName('ct_migrate');
let url: string;

const webhookColumns = (sql: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ column_name: string; data_type: string; column_default: string | null }>(sql);
    return rows;
  });
const COLUMNS_SQL = `select column_name, data_type, column_default from information_schema.columns
  where table_name = 'assignments_learnpackwebhook' order by ordinal_position`;

beforeAll(async () => {
  url = await createDatabase(name);
  await withClient(url, (client) => client.query(djangoSchemaSql()));
});

afterAll(async () => {
  await dropDatabase(name);
});

describe('npm run migrate', () => {
  it('applies the bot tables once even when three processes race, and never touches the Django table', async () => {
    const before = await webhookColumns(COLUMNS_SQL);
    const orms = await Promise.all([initORM(url), initORM(url), initORM(url)]);
    try {
      const applied = await Promise.all(orms.map((orm) => applyMigrations(orm, url)));
      const [first] = orms;
      expect(applied.flat()).toEqual(MIGRATIONS.map((migration) => migration.name));
      expect(await pendingMigrations(first)).toEqual([]);
      expect(await applyMigrations(first, url)).toEqual([]);
    } finally {
      await Promise.all(orms.map((orm) => orm.close(true)));
    }
    const tables = await withClient(url, async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
      );
      return rows.map((row) => row.name);
    });
    expect(tables).toEqual([
      'assignments_assignmenttelemetry',
      'assignments_learnpackwebhook',
      'auth_user',
      'clear_telemetry_archive',
      'clear_telemetry_migrations',
      'clear_telemetry_notice',
      'clear_telemetry_policy_slot',
      'clear_telemetry_request',
    ]);
    expect(await webhookColumns(COLUMNS_SQL)).toEqual(before);
  });
});
