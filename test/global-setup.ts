import type { TestProject } from 'vitest/node';
import { initORM } from '../src/db/init-orm.js';
import { applyMigrations } from '../src/db/migrate.js';
import { createDatabase, dropDatabase, loadFixture, uniqueName, withClient } from './helpers/scratch-db.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

/**
 * One template per test run: the Django schema exactly as production has it, plus the bot's
 * migrations. Each test file copies it into a scratch database of its own and drops that after.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = uniqueName('ct_template');
  const url = await createDatabase(template);
  await withClient(url, (client) => client.query(loadFixture('django-schema.sql')));
  const orm = await initORM(url);
  try {
    await applyMigrations(orm, url);
  } finally {
    await orm.close(true);
  }
  project.provide('templateDb', template);
  return () => dropDatabase(template);
}
