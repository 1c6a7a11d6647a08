import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withClient } from '../../dev/postgres/with-client.js';
import { freePort } from '../../dev/free-port.js';

const run = promisify(execFile);

/**
 * A scratch primary with one streaming replica, both on loopback: the primary made with initdb,
 * the replica with `pg_basebackup -R`, on ports of their own. As root the servers run as the
 * unprivileged `postgres` user, as PostgreSQL requires. `stop()` removes both clusters.
 */
export interface StreamingPair {
  primaryUrl: (database: string) => string;
  replicaUrl: string;
  /** The replica's application_name, as pg_stat_replication shows it. */
  replicaName: string;
  stop(): Promise<void>;
}

/** The newest PostgreSQL server binaries on this machine (Debian's), or null when there are none. */
export function serverBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter(
      (version) =>
        existsSync(join(root, version, 'bin', 'pg_basebackup')) && existsSync(join(root, version, 'bin', 'initdb')),
    )
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export async function startStreamingPair(bin: string): Promise<StreamingPair> {
  const dir = await mkdtemp(join(tmpdir(), 'ct-replica-'));
  await chmod(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chown', ['postgres', dir]);
  const asOwner = (command: string, args: string[]) =>
    asRoot
      ? run('su', ['postgres', '-s', '/bin/sh', '-c', [join(bin, command), ...args.map(quote)].join(' ')])
      : run(join(bin, command), args);
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const replicaName = 'replica1';
  const server = (data: string, port: number) => [
    '-D',
    data,
    '-l',
    `${data}.log`,
    '-w',
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off`,
    'start',
  ];
  const stop = async () => {
    for (const data of [replica, primary])
      await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await asOwner('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '--encoding=UTF8']);
    await asOwner('pg_ctl', server(primary, primaryPort));
    await asOwner('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replica,
      '-R',
      '-X',
      'stream',
    ]);
    // The later line wins: the replica names itself, so pg_stat_replication can say which one lags.
    const conninfo = `host=127.0.0.1 port=${primaryPort} user=postgres application_name=${replicaName}`;
    await appendFile(join(replica, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo}'\n`);
    if (asRoot) await chown(join(replica, 'postgresql.auto.conf'), ...(await ownerOf(primary)));
    await asOwner('pg_ctl', server(replica, replicaPort));
    const primaryUrl = (database: string) => `postgres://postgres@127.0.0.1:${primaryPort}/${database}`;
    await waitUntil(async () =>
      withClient(primaryUrl('postgres'), async (client) => {
        const { rows } = await client.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_replication where application_name = $1 and state = 'streaming'`,
          [replicaName],
        );
        return rows[0]?.n === 1;
      }),
    );
    return { primaryUrl, replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/postgres`, replicaName, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function ownerOf(path: string): Promise<[number, number]> {
  const { stdout } = await run('stat', ['-c', '%u %g', path]);
  const [uid, gid] = stdout.trim().split(' ').map(Number);
  return [uid ?? 0, gid ?? 0];
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('the replica did not start streaming');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
