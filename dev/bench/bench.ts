/**
 * `npm run bench`: seeds a scratch database with the Django schema and the seed fixture, then deletes
 * the same rows from identical copies of it in several ways and prints how they compare.
 *   --rows N        webhooks to seed (default 1,000,000; try 4,000,000)
 *   --pending N     the newest N of them PENDING (default 40% of the rows)
 *   --repeat N      runs per figure, the median kept (default 3)
 *   --compare REV   also runs the recorded run of an earlier commit (default HEAD~1 when the working
 *                   tree is clean, else HEAD; "none" skips it), built in a temporary folder
 *   BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres). The purge settings come
 *   from the usual CLEAR_TELEMETRY_* variables, so their defaults are what is measured.
 * It runs the JavaScript `npm run build` emits (npm run bench builds first), as the bin does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { djangoSchemaSql, seedWebhooksSql } from '../postgres/django/fixtures.js';
import { formatCount } from '../../src/domain/wording/format.js';
import { initORM } from '../../src/db/init-orm.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { projectPath, PROJECT_ROOT } from '../../src/project-root.js';
import { measureStartup, type Startup } from './startup.js';
import { scriptFlags } from '../../src/script-flags.js';

const USAGE = `Usage: npm run bench [-- options]
  --rows N        webhooks to seed (default 1,000,000; try 4,000,000)
  --pending N     the newest N of them PENDING (default 40% of the rows)
  --repeat N      runs per figure, the median kept (default 3)
  --compare REV   also run the recorded run of an earlier commit ("none" skips it)
BENCH_ADMIN_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres).`;
const flags = scriptFlags('bench', USAGE, {
  rows: { type: 'string' },
  pending: { type: 'string' },
  repeat: { type: 'string' },
  compare: { type: 'string' },
});
const count = (value: string | undefined, fallback: number) =>
  value === undefined ? fallback : Number(value.replaceAll(/[_,]/g, ''));
const ROWS = count(flags.rows ?? process.env.BENCH_ROWS, 1_000_000);
const PENDING = count(flags.pending ?? process.env.BENCH_PENDING, Math.round(ROWS * 0.4));
const REPEAT = count(flags.repeat ?? process.env.BENCH_REPEAT, 3);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (![ROWS, PENDING, REPEAT].every((n) => Number.isSafeInteger(n) && n >= 0) || PENDING > ROWS || REPEAT < 1) {
  console.error('bench: --rows, --pending and --repeat take whole numbers (pending at most rows, repeat at least 1)');
  process.exit(2);
}

interface Scenario {
  label: string;
  kind: 'floor' | 'native' | 'batch' | 'keyset' | 'recorded' | 'aged' | 'archive-floor' | 'archived' | 'restore';
  status: 'PENDING' | 'ERROR';
  /** --batch-size; 0: not given (sized by time, up to 100,000 rows). */
  batch: number;
  /** Run from an earlier commit's checkout instead of this one. */
  from?: string;
}

const FOR_EACH_STATUS: Omit<Scenario, 'status'>[] = [
  { label: 'raw single DELETE (floor)', kind: 'floor', batch: 0 },
  { label: 'native (one statement)', kind: 'native', batch: 0 },
  { label: 'batch, sized by time (default)', kind: 'batch', batch: 0 },
  { label: 'batch, --batch-size 10,000', kind: 'batch', batch: 10_000 },
  { label: 'alternative: keyset select + delete', kind: 'keyset', batch: 10_000 },
  { label: 'recorded run (what the terminal and Slack run)', kind: 'recorded', batch: 0 },
];

function compareRevision(): string | null {
  if (flags.compare === 'none') return null;
  if (flags.compare) return flags.compare;
  const dirty =
    execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    }).trim() !== '';
  return dirty ? 'HEAD' : 'HEAD~1';
}

const previous = compareRevision();
const scenarios: Scenario[] = (['PENDING', 'ERROR'] as const).flatMap((status) => [
  ...FOR_EACH_STATUS.map((scenario) => ({ ...scenario, status })),
  ...(status === 'PENDING'
    ? ([
        { label: 'batch, keeping PENDING rows under 10 min old', kind: 'aged', status, batch: 0 },
        { label: 'archive floor: one delete … returning * into the archive', kind: 'archive-floor', status, batch: 0 },
        { label: 'recorded run with --archive (× its archive floor)', kind: 'archived', status, batch: 0 },
        { label: 'restore of those archived rows', kind: 'restore', status, batch: 0 },
      ] as const)
    : []),
  // The earlier code as a user ran it: no --batch-size (0), whatever its default was then.
  ...(previous
    ? [{ label: `recorded run at ${previous}`, kind: 'recorded', status, batch: 0, from: previous } as const]
    : []),
]);

interface Measured {
  deleted: number;
  ms: number;
  slowestBatchMs: number;
  batches: number;
  peakRssMiB: number;
}

function urlFor(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function seedBase(name: string): Promise<void> {
  await admin(`create database "${name}"`);
  const client = new pg.Client({ connectionString: urlFor(name) });
  await client.connect();
  try {
    await client.query(djangoSchemaSql());
    await client.query(seedWebhooksSql(ROWS, PENDING));
    await client.query('vacuum analyze assignments_learnpackwebhook');
  } finally {
    await client.end();
  }
  const orm = await initORM(urlFor(name));
  try {
    await applyMigrations(orm, urlFor(name));
  } finally {
    await orm.close(true);
  }
}

/**
 * An earlier commit, checked out into a temporary folder that borrows this checkout's node_modules.
 * Its scenario runs from source through tsx: only its time is compared, not its memory.
 */
function checkout(revision: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ct-bench-'));
  execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dir, revision], { cwd: PROJECT_ROOT });
  symlinkSync(projectPath('node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    remove: () => {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: PROJECT_ROOT });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runScenario(url: string, scenario: Scenario, earlier: string | null): Measured {
  const args = earlier
    ? ['--import', 'tsx', 'bench/scenario.ts', url, scenario.kind, scenario.status, String(scenario.batch)]
    : [projectPath('dist/dev/bench/scenario.js'), url, scenario.kind, scenario.status, String(scenario.batch)];
  const out = execFileSync(process.execPath, args, {
    cwd: earlier ?? PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env },
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Measured;
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const pgVersion = execFileSync('psql', [ADMIN_URL, '-Atc', 'show server_version'], { encoding: 'utf8' }).trim();
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, PostgreSQL ${pgVersion}, Node ${process.version}`;
}

if (!existsSync(projectPath('dist/dev/bench/scenario.js'))) {
  console.error('bench: dist/ is not built; run it as npm run bench, which builds first');
  process.exit(2);
}
const base = `ct_bench_${Date.now().toString(36)}`;
console.log(
  `Seeding ${formatCount(ROWS)} rows (${formatCount(PENDING)} newest PENDING), Django schema, no status index...`,
);
const seedStarted = performance.now();
await seedBase(base);
console.log(`Seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s. Machine: ${machine()}\n`);

/** Runs a scenario on a fresh copy of the seeded database, REPEAT times; keeps the median by time. */
async function measure(scenario: Scenario, earlier: string | null): Promise<Measured> {
  const runs: Measured[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const copy = `${base}_run`;
    await admin(`create database "${copy}" template "${base}"`);
    try {
      await admin('checkpoint');
      runs.push(runScenario(urlFor(copy), scenario, earlier));
      process.stdout.write('.');
    } finally {
      await admin(`drop database if exists "${copy}" with (force)`);
    }
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[Math.floor(runs.length / 2)] as Measured;
  return { ...median, peakRssMiB: Math.max(...runs.map((run) => run.peakRssMiB)) };
}

const results: (Measured & Scenario)[] = [];
let startup: Startup;
const earlier = previous ? checkout(previous) : null;
try {
  // The seed's dirty pages written out first, so the first figures do not pay for them.
  await admin('checkpoint');
  startup = await measureStartup(urlFor(base), (name) => admin(name), urlFor);
  for (const scenario of scenarios)
    results.push({ ...scenario, ...(await measure(scenario, scenario.from ? (earlier?.dir ?? null) : null)) });
} finally {
  earlier?.remove();
  await admin(`drop database if exists "${base}" with (force)`);
}

console.log('\n');
console.log(`Start-up, median of ${startup.runs} (wall time of the whole command, peak RSS):\n`);
console.log('| command | seconds | peak RSS |');
console.log('|---|---:|---:|');
for (const row of startup.rows)
  console.log(`| ${row.label} | ${(row.ms / 1000).toFixed(2)} | ${row.peakRssMiB.toFixed(0)} MiB |`);
console.log(`\nDeletion: median of ${REPEAT} runs each; peak RSS is the highest of them.\n`);
console.log(
  '| status | method | batch size | rows deleted | batches | seconds | rows/s | × floor | slowest batch tx | peak RSS |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  // An archived run against the archive's own floor; the archive's floor against the plain DELETE.
  const floor = results.find(
    (f) => f.kind === (r.kind === 'archived' ? 'archive-floor' : 'floor') && f.status === r.status,
  );
  const ratio = floor && r.kind !== 'restore' ? `${(r.ms / floor.ms).toFixed(2)}×` : '-';
  const size = ['floor', 'native', 'archive-floor'].includes(r.kind)
    ? '-'
    : r.from
      ? 'its default'
      : r.batch
        ? formatCount(r.batch)
        : 'by time';
  const rss = r.from ? '(tsx)' : `${r.peakRssMiB.toFixed(0)} MiB`;
  console.log(
    `| ${r.status} | ${r.label} | ${size} | ${formatCount(r.deleted)} | ${formatCount(r.batches)} | ${(r.ms / 1000).toFixed(2)} | ` +
      `${formatCount(Math.round((r.deleted * 1000) / r.ms))} | ${ratio} | ${formatCount(Math.round(r.slowestBatchMs))} ms | ${rss} |`,
  );
}
