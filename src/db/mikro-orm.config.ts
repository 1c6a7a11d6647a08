import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { LearnpackWebhook } from './entities/learnpack-webhook.js';
import { WEBHOOK_TABLE } from './tables.js';
import { Notice } from './entities/notice.js';
import { PurgeRequest } from './entities/purge-request.js';
import { CONNECT_TIMEOUT_MS } from './db-errors.js';
import { sslOptions } from './tls.js';

export const MIGRATIONS_TABLE = 'clear_telemetry_migrations';

const ignore = () => undefined;

export function ormConfig(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  const ssl = sslOptions(databaseUrl);
  return defineConfig({
    clientUrl: databaseUrl,
    // An explicit list, no folder discovery: tsc, tsx and vitest all see the same entities.
    entities: [LearnpackWebhook, PurgeRequest, Notice],
    // Never create databases: production's exists, and tests create their own scratch ones.
    ensureDatabase: false,
    // The Django app owns its table; schema diffs and generated migrations must never touch it.
    schemaGenerator: { skipTables: [WEBHOOK_TABLE] },
    // No `extensions: [Migrator]` and no `migrationsList` here: `migrator()` (migrate.ts) adds the list
    // and MikroORM loads @mikro-orm/migrations then, so the terminal's runs never load it (9 MiB, 0.15 s).
    migrations: {
      tableName: MIGRATIONS_TABLE,
      path: 'src/db/migrations',
      // One transaction for the whole set: a failed migration leaves nothing half-applied.
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // migrate prints its own one-line summary.
      silent: true,
    },
    // A few connections are enough: one runner deletes at a time, the rest is ledger traffic.
    pool: { min: 0, max: 5 },
    // Named in pg_stat_activity, so a DBA sees whose sessions these are. MikroORM drops URL query
    // parameters, so TLS is passed on explicitly.
    // A server that accepts connections and never answers must fail in seconds, not hang: pg's
    // connect timeout, and knex's wait for a pooled connection.
    driverOptions: {
      acquireConnectionTimeout: CONNECT_TIMEOUT_MS,
      // knex prints "Connection Error: …" on the console for every pooled connection that died; the
      // statement that meets it fails, and the caller retries it and says so once in its own words.
      log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
      connection: {
        application_name: 'clear-telemetry',
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(ssl ? { ssl } : {}),
      },
    },
    // The purge path never loads entities; the ledger is small. No global identity map.
    allowGlobalContext: false,
    debug: false,
    ...overrides,
  });
}
