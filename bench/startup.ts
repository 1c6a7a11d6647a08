/**
 * The terminal command's start-up, as a person or cron sees it: the whole command's wall time and
 * peak RSS (GNU time's %M), for `--help`, a dry run on an empty table, and a dry run on the seeded one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PROJECT_ROOT } from '../src/project-root.js';

export interface Startup {
  runs: number;
  rows: { label: string; ms: number; peakRssMiB: number }[];
}

const RUNS = 5;
const TIME = '/usr/bin/time';

/** One command, RUNS times; the median wall time and the highest peak RSS. */
function timeCommand(args: string[], env: Record<string, string>): { ms: number; peakRssMiB: number } {
  const walls: number[] = [];
  let peak = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const child = existsSync(TIME)
      ? spawnSync(TIME, ['-f', '%M', process.execPath, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' })
      : spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    walls.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`${args.join(' ')} exited ${child.status}: ${child.stderr}`);
    const kib = Number(child.stderr.trim().split('\n').at(-1));
    if (Number.isFinite(kib)) peak = Math.max(peak, kib / 1024);
  }
  walls.sort((a, b) => a - b);
  return { ms: walls[Math.floor(walls.length / 2)] ?? 0, peakRssMiB: peak };
}

export async function measureStartup(seededUrl: string, admin: (sql: string) => Promise<void>, urlFor: (name: string) => string): Promise<Startup> {
  const seeded = new URL(seededUrl).pathname.slice(1);
  const empty = `${seeded}_empty`;
  await admin(`create database "${empty}" template "${seeded}"`);
  try {
    execFileSync('psql', [urlFor(empty), '-qc', 'truncate assignments_learnpackwebhook']);
    const bin = 'bin/clear-telemetry.js';
    const rows = [
      { label: '`clear-telemetry --help`', ...timeCommand([bin, '--help'], {}) },
      { label: '`node -e 0` (Node itself, for scale)', ...timeCommand(['-e', '0'], {}) },
      { label: '`--status ERROR --dry-run`, empty table', ...timeCommand([bin, '--status', 'ERROR', '--dry-run'], { DATABASE_URL: urlFor(empty) }) },
      { label: '`--status ERROR --dry-run`, seeded table', ...timeCommand([bin, '--status', 'ERROR', '--dry-run'], { DATABASE_URL: seededUrl }) },
    ];
    return { runs: RUNS, rows };
  } finally {
    await admin(`drop database if exists "${empty}" with (force)`);
  }
}
