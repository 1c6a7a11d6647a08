import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { isListening, startEmbeddedPostgres, type EmbeddedServer } from '../dev/postgres/embedded-postgres.js';
import { prepareDatabase } from '../dev/postgres/prepare-database.js';
import { ensureBuilt } from './helpers/ensure-built.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}

/**
 * Picks the PostgreSQL server (TEST_ADMIN_DATABASE_URL, else 127.0.0.1:5432, else an embedded one
 * started here), then makes one template per test run: the Django schema exactly as production has
 * it, plus the bot's migrations. Each test file copies it into a scratch database of its own and
 * drops that after. Whatever this creates is removed again, whether the run passes or setup fails.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  console.log(`Tests run in a shuffled order: TEST_SEED=${process.env.TEST_SEED} npm test repeats it.`);
  ensureBuilt();
  const embedded = await chooseServer();
  // Imported only now: the helpers read TEST_ADMIN_DATABASE_URL when they load.
  const { createDatabase, dropDatabase, uniqueName } = await import('./helpers/scratch-db.js');
  const template = uniqueName('ct_template');
  const teardown = async () => {
    await dropDatabase(template).catch((error: unknown) => console.error(`could not drop ${template}:`, error));
    await embedded?.stop();
  };
  try {
    await prepareDatabase(await createDatabase(template));
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide('templateDb', template);
  return teardown;
}

/**
 * The server the tests use: TEST_POSTGRES_PACKAGE (an `@embedded-postgres/<platform>` package folder,
 * for another major version), else TEST_ADMIN_DATABASE_URL, else the one on 127.0.0.1:5432, else an
 * embedded one from the installed package.
 */
async function chooseServer(): Promise<Pick<EmbeddedServer, 'stop'> | null> {
  const packageDir = process.env.TEST_POSTGRES_PACKAGE;
  if (!packageDir && (process.env.TEST_ADMIN_DATABASE_URL || (await isListening(5432)))) return null;
  const folder = await mkdtemp(join(tmpdir(), 'clear-telemetry-test-'));
  const server = await startEmbeddedPostgres({
    dataDir: join(folder, 'pg'),
    removeOnStop: true,
    fast: true,
    ...(packageDir ? { packageDir } : {}),
  }).catch(async (error: unknown) => {
    await rm(folder, { recursive: true, force: true });
    throw error;
  });
  console.log(
    packageDir
      ? `Running the tests on PostgreSQL ${server.version} from ${packageDir}, at ${server.url} (removed afterwards).`
      : `No PostgreSQL on 127.0.0.1:5432: running the tests on an embedded PostgreSQL ${server.version} at ${server.url} (removed afterwards).`,
  );
  // Test workers are forked after this, so they inherit it.
  process.env.TEST_ADMIN_DATABASE_URL = server.url;
  return { stop: () => server.stop().finally(() => rm(folder, { recursive: true, force: true })) };
}
