import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { djangoSchemaSql, seedWebhooksSql } from '../dev/postgres/django/fixtures.js';
import { startEmbeddedPostgres, stopLeftoverServer } from '../dev/postgres/embedded-postgres.js';
import type { Leftover } from '../dev/postgres/leftover-process.js';
import { withClient } from '../dev/postgres/with-client.js';
import { databaseLabel } from '../src/db/database-label.js';
import { WEBHOOK_STATUSES } from '../src/domain/plan/webhook-statuses.js';
import { pgConnection } from '../src/db/tls.js';

export interface SandboxDatabase {
  /** The Django database the app purges. */
  url: string;
  /** `django@127.0.0.1:PORT (embedded, kept in .sandbox/)` or the given one's label. */
  description: string;
  /** Whether the sandbox may add rows (never to a database it was given). */
  seeded: boolean;
  stop(): Promise<void>;
}

export interface DatabaseOptions {
  /** DATABASE_URL: rehearse against that database; its table is never seeded or altered. */
  givenUrl?: string;
  /** A scratch database made for the sandbox (the browser tests'): used as is, rows may be added. */
  scratchUrl?: string;
  /** Where the embedded server keeps its data between runs. */
  folder: string;
  fresh: boolean;
  rows: number;
  log: (line: string) => void;
  /** Aborted by Ctrl-C while the sandbox starts: the embedded server stops, which ends the seeding. */
  signal?: AbortSignal;
}

/**
 * The database behind the sandbox: the one in DATABASE_URL, untouched; or an embedded PostgreSQL
 * under `.sandbox/`, kept between runs, whose Django table is created from the project's copy of the
 * schema and seeded once (the newest 40% PENDING, the rest DONE, ERROR and IGNORED, as the bench).
 */
export async function openSandboxDatabase(options: DatabaseOptions): Promise<SandboxDatabase> {
  if (options.scratchUrl) {
    return {
      url: options.scratchUrl,
      description: `${databaseLabel(options.scratchUrl)} (scratch)`,
      seeded: true,
      stop: () => Promise.resolve(),
    };
  }
  if (options.givenUrl) {
    return {
      url: options.givenUrl,
      description: `${databaseLabel(options.givenUrl)} (from DATABASE_URL; never seeded)`,
      seeded: false,
      stop: () => Promise.resolve(),
    };
  }
  // The sandbox's own folder (its app's pid file); the cluster may live elsewhere when run as root.
  await mkdir(options.folder, { recursive: true });
  const dataDir = join(options.folder, 'pg');
  sayLeftover(await stopLeftoverServer(dataDir), 'embedded PostgreSQL', options.log);
  if (options.fresh) await rm(dataDir, { recursive: true, force: true });
  // A rehearsal copy: durability off (fsync) makes seeding and purges faster; an OS crash may cost the data, --fresh rebuilds it.
  const server = await startEmbeddedPostgres({ dataDir, fast: true });
  // The server is a process group of its own (a terminal's Ctrl-C does not reach it): stop it here.
  const stopOnAbort = () => void server.stop();
  options.signal?.addEventListener('abort', stopOnAbort, { once: true });
  const url = new URL(server.url);
  url.pathname = '/django';
  try {
    await withClient(server.url, async (admin) => {
      const { rows } = await admin.query('select 1 from pg_database where datname = $1', ['django']);
      if (rows.length === 0) await admin.query('create database django');
    });
    await withClient(url.toString(), async (client) => {
      const { rows } = await client.query<{ table: string | null }>(
        `select to_regclass('assignments_learnpackwebhook')::text as table`,
      );
      if (rows[0]?.table) return;
      options.log(`Creating the Django table and seeding ${options.rows.toLocaleString('en-US')} webhooks…`);
      // One transaction: a sandbox stopped while it seeds leaves no empty table behind (the next one
      // would take it as seeded), so the next start seeds again.
      await client.query('begin');
      await client.query(djangoSchemaSql());
      await client.query(seedWebhooksSql(options.rows, Math.round(options.rows * 0.4)));
      await client.query('commit');
    });
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', stopOnAbort);
  }
  return {
    url: url.toString(),
    description: `${databaseLabel(url.toString())} (embedded PostgreSQL ${server.version}, kept in ${server.dataDir})`,
    seeded: true,
    stop: () => server.stop(),
  };
}

/** The live counts per status for the page, on one connection kept open. */
export class TableWatch {
  private readonly client: pg.Client;

  constructor(url: string) {
    this.client = new pg.Client({ ...pgConnection(url), application_name: 'clear-telemetry sandbox' });
    this.client.on('error', () => undefined);
  }

  async open(): Promise<void> {
    await this.client.connect();
  }

  async counts(): Promise<Record<string, number>> {
    const { rows } = await this.client.query<{ status: string; count: number }>(
      'select status, count(*)::int as count from assignments_learnpackwebhook group by status',
    );
    // Every known status, even at zero, as the app's summary shows them.
    const counts = new Map<string, number>(WEBHOOK_STATUSES.map((status) => [status, 0]));
    for (const row of rows) counts.set(row.status, row.count);
    return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** New PENDING webhooks, as the Django app writes them (every column given: it has no defaults). */
  async insertPending(count: number): Promise<void> {
    await this.client.query(
      `insert into assignments_learnpackwebhook (is_streaming, event, payload, status, created_at, updated_at)
       select false, 'open_step', jsonb_build_object('sandbox', true), 'PENDING', now(), now() from generate_series(1, $1)`,
      [count],
    );
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** What a sandbox killed earlier left running: stopped, or still in use by a live sandbox. */
export function sayLeftover(found: Leftover, what: string, log: (line: string) => void): void {
  if (found && 'owner' in found)
    throw new Error(
      `another sandbox (pid ${found.owner}) is running from this folder: stop it first (Ctrl-C in its terminal), or use its page`,
    );
  if (found) log(`Stopped the ${what} an earlier sandbox left running (pid ${found.stopped}).`);
}
