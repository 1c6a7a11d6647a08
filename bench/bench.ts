/**
 * `npm run bench`: seeds a scratch database with the Django schema and the seed fixture, then deletes
 * the same rows from identical copies of it in several ways and prints how they compare.
 *   BENCH_ROWS (default 1,000,000), BENCH_PENDING (default 400,000), BENCH_REPEAT (default 3:
 *   each figure is the median run), BENCH_ADMIN_URL. The purge settings come from the usual
 *   CLEAR_TELEMETRY_* variables, so their defaults are what is measured.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import { djangoSchemaSql, seedWebhooksSql } from '../db/django/fixtures.js';
import { formatCount } from '../src/domain/format.js';
import { initORM } from '../src/db/init-orm.js';
import { applyMigrations } from '../src/db/migrate.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const PENDING = Number(process.env.BENCH_PENDING ?? 400_000);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = resolve(import.meta.dirname, '..');

const scenarios = [
  { label: 'raw single DELETE (floor)', kind: 'floor', status: 'PENDING', batch: 0 },
  { label: 'native (one statement)', kind: 'native', status: 'PENDING', batch: 0 },
  { label: 'batch (id ranges)', kind: 'batch', status: 'PENDING', batch: 1_000 },
  { label: 'batch (id ranges)', kind: 'batch', status: 'PENDING', batch: 10_000 },
  { label: 'batch (id ranges)', kind: 'batch', status: 'PENDING', batch: 50_000 },
  { label: 'alternative: keyset select + delete', kind: 'keyset', status: 'PENDING', batch: 10_000 },
  { label: 'recorded run (ledger, checkpoints)', kind: 'recorded', status: 'PENDING', batch: 10_000 },
  { label: 'batch, keeping PENDING rows under 10 min old', kind: 'aged', status: 'PENDING', batch: 10_000 },
  { label: 'raw single DELETE (floor)', kind: 'floor', status: 'ERROR', batch: 0 },
  { label: 'native (one statement)', kind: 'native', status: 'ERROR', batch: 0 },
  { label: 'batch (id ranges)', kind: 'batch', status: 'ERROR', batch: 10_000 },
  { label: 'alternative: keyset select + delete', kind: 'keyset', status: 'ERROR', batch: 10_000 },
] as const;

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

function runScenario(url: string, kind: string, status: string, batch: number): Measured {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/scenario.ts', url, kind, status, String(batch || 10_000)], {
    cwd: ROOT,
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

const base = `ct_bench_${Date.now().toString(36)}`;
console.log(`Seeding ${formatCount(ROWS)} rows (${formatCount(PENDING)} newest PENDING), Django schema, no status index...`);
const seedStarted = performance.now();
await seedBase(base);
console.log(`Seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s. Machine: ${machine()}\n`);

/** Runs a scenario on a fresh copy of the seeded database, REPEAT times; keeps the median by time. */
async function measure(scenario: (typeof scenarios)[number]): Promise<Measured> {
  const runs: Measured[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const copy = `${base}_run`;
    await admin(`create database "${copy}" template "${base}"`);
    try {
      await admin('checkpoint');
      runs.push(runScenario(urlFor(copy), scenario.kind, scenario.status, scenario.batch));
      process.stdout.write('.');
    } finally {
      await admin(`drop database if exists "${copy}" with (force)`);
    }
  }
  runs.sort((a, b) => a.ms - b.ms);
  const median = runs[Math.floor(runs.length / 2)] as Measured;
  return { ...median, peakRssMiB: Math.max(...runs.map((run) => run.peakRssMiB)) };
}

const results: (Measured & (typeof scenarios)[number])[] = [];
try {
  for (const scenario of scenarios) results.push({ ...scenario, ...(await measure(scenario)) });
} finally {
  await admin(`drop database if exists "${base}" with (force)`);
}

console.log('\n');
console.log(`Median of ${REPEAT} runs each; peak RSS is the highest of them.\n`);
console.log('| status | method | batch size | rows deleted | seconds | rows/s | × floor | slowest batch tx | peak RSS |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  const floor = results.find((f) => f.kind === 'floor' && f.status === r.status);
  const ratio = floor ? (r.ms / floor.ms).toFixed(2) : '?';
  console.log(
    `| ${r.status} | ${r.label} | ${r.batch ? formatCount(r.batch) : '-'} | ${formatCount(r.deleted)} | ${(r.ms / 1000).toFixed(2)} | ` +
      `${formatCount(Math.round((r.deleted * 1000) / r.ms))} | ${ratio}× | ${formatCount(Math.round(r.slowestBatchMs))} ms | ${r.peakRssMiB.toFixed(0)} MiB |`,
  );
}
