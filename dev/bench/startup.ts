/**
 * The terminal command as a person or cron runs it (the bin executed, so its shebang's node options
 * apply): the whole command's wall time and peak RSS (GNU time's %M), for `--help`, a dry run on an
 * empty table and on the seeded one, and a whole recorded purge of PENDING and of ERROR (`--force`,
 * each on a fresh copy of the seeded database).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PROJECT_ROOT } from '../../src/project-root.js';

export interface Startup {
  runs: number;
  rows: { label: string; ms: number; peakRssMiB: number }[];
}

const RUNS = 5;
const TIME = '/usr/bin/time';
const BIN = 'bin/clear-telemetry.js';

/** One command, RUNS times (each after `before`); the median wall time and the highest peak RSS. */
async function timeCommand(
  argv: string[],
  env: Record<string, string>,
  before: () => Promise<void> = () => Promise.resolve(),
): Promise<{ ms: number; peakRssMiB: number }> {
  const walls: number[] = [];
  let peak = 0;
  for (let i = 0; i < RUNS; i++) {
    await before();
    const [command = '', ...args] = argv;
    const started = performance.now();
    const child = existsSync(TIME)
      ? spawnSync(TIME, ['-f', '%M', command, ...args], {
          cwd: PROJECT_ROOT,
          env: { ...process.env, ...env },
          encoding: 'utf8',
        })
      : spawnSync(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    walls.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`${argv.join(' ')} exited ${child.status}: ${child.stderr}`);
    const kib = Number(child.stderr.trim().split('\n').at(-1));
    if (Number.isFinite(kib)) peak = Math.max(peak, kib / 1024);
  }
  walls.sort((a, b) => a - b);
  return { ms: walls[Math.floor(walls.length / 2)] ?? 0, peakRssMiB: peak };
}

export async function measureStartup(
  seededUrl: string,
  admin: (sql: string) => Promise<void>,
  urlFor: (name: string) => string,
): Promise<Startup> {
  const seeded = new URL(seededUrl).pathname.slice(1);
  const empty = `${seeded}_empty`;
  const copy = `${seeded}_run`;
  await admin(`create database "${empty}" template "${seeded}"`);
  const fresh = async () => {
    await admin(`drop database if exists "${copy}" with (force)`);
    await admin(`create database "${copy}" template "${seeded}"`);
  };
  try {
    execFileSync('psql', [urlFor(empty), '-qc', 'truncate assignments_learnpackwebhook']);
    const run = { DATABASE_URL: urlFor(copy), CLEAR_TELEMETRY_PENDING_MIN_AGE: '0' };
    const rows = [
      { label: '`clear-telemetry --help`', ...(await timeCommand([BIN, '--help'], {})) },
      { label: '`node -e 0` (Node itself, for scale)', ...(await timeCommand([process.execPath, '-e', '0'], {})) },
      {
        label: '`--status ERROR --dry-run`, empty table',
        ...(await timeCommand([BIN, '--status', 'ERROR', '--dry-run'], { DATABASE_URL: urlFor(empty) })),
      },
      {
        label: '`--status ERROR --dry-run`, seeded table',
        ...(await timeCommand([BIN, '--status', 'ERROR', '--dry-run'], { DATABASE_URL: seededUrl })),
      },
      {
        label: '`--status PENDING --force`, the whole recorded run',
        ...(await timeCommand([BIN, '--status', 'PENDING', '--force'], run, fresh)),
      },
      {
        label: '`--status ERROR --force`, the whole recorded run',
        ...(await timeCommand([BIN, '--status', 'ERROR', '--force'], run, fresh)),
      },
    ];
    return { runs: RUNS, rows };
  } finally {
    await admin(`drop database if exists "${empty}" with (force)`);
    await admin(`drop database if exists "${copy}" with (force)`);
  }
}
