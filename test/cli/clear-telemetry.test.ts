import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { usage } from '../../src/domain/plan/usage.js';
import { databaseLabel } from '../../src/db/database-label.js';
import {
  createScratchDb,
  databaseUrl,
  seedWebhooks,
  uniqueName,
  withClient,
  ADMIN_URL,
  type ScratchDb,
} from '../helpers/scratch-db.js';
import { PROJECT_ROOT, runBin, start } from '../helpers/child-process.js';
import { ledgerRow } from '../helpers/requests.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import {
  countByStatus,
  insertAgedMix,
  insertWebhooks,
  remainingIds,
  truncateAll,
  truncateWebhooks,
} from '../helpers/webhooks.js';

let db: ScratchDb;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createScratchDb(inject('templateDb'));
  env = { DATABASE_URL: db.url, CLEAR_TELEMETRY_PENDING_MIN_AGE: '0' };
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await truncateAll(db.client);
  await insertWebhooks(db.client, [...repeat('PENDING', 30), ...repeat('ERROR', 20), ...repeat('DONE', 5)]);
});

const untouched = { PENDING: 30, ERROR: 20, DONE: 5 };

function repeat(status: string, n: number): string[] {
  return Array.from({ length: n }, () => status);
}

describe('bad input: exit 2, usage shown, nothing touched', () => {
  it.each([
    [['--status', 'BOGUS'], "clear-telemetry: 'BOGUS' is not a status. Use PENDING, DONE, IGNORED, ERROR or ALL."],
    [['--batch-size', '0'], "clear-telemetry: --batch-size must be a whole number from 1 to 100,000 (got '0')."],
    [['--batch-size', '-3'], "clear-telemetry: --batch-size must be a whole number from 1 to 100,000 (got '-3')."],
    [['--batch-size', 'many'], "clear-telemetry: --batch-size must be a whole number from 1 to 100,000 (got 'many')."],
    [
      ['--batch-size', '5000000'],
      "clear-telemetry: --batch-size must be a whole number from 1 to 100,000 (got '5000000').",
    ],
    [['--yolo'], 'clear-telemetry: Unknown option --yolo.'],
    [['ERROR'], "clear-telemetry: Unexpected argument 'ERROR'. Flags start with --, for example --status ERROR."],
  ])('%j', async (args, message) => {
    const result = await runBin([...args, '--force'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${message}\n\n${usage('clear-telemetry')}\n`);
    expect(result.stdout).toBe('');
    expect(await countByStatus(db.client)).toEqual(untouched);
  });
});

describe('refusals and failures', () => {
  it('refuses to delete without a terminal and without --force, without waiting on stdin', async () => {
    const result = await runBin(['--status', 'ERROR'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('standard input is not a terminal');
    expect(result.stderr).toContain('Re-run with --force');
    expect(result.stdout).toContain("Found 20 LearnPackWebhook records with status 'ERROR'");
    expect(await countByStatus(db.client)).toEqual(untouched);
  });

  it('names DATABASE_URL when it is missing', async () => {
    const result = await runBin(['--dry-run'], {});
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      'clear-telemetry: DATABASE_URL is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname\n',
    );
  });

  it('says in one line, without a stack trace, that the database is unreachable', async () => {
    const result = await runBin(['--force'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      'clear-telemetry: nowhere on 127.0.0.1:1: cannot reach the database (ECONNREFUSED). Check DATABASE_URL and that PostgreSQL is running.\n',
    );
  });

  it('gives up on a database that accepts connections and never answers, in one line that names it', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const result = await runBin(['--status', 'ERROR', '--dry-run'], {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/django`,
      });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(
        `clear-telemetry: django on 127.0.0.1:${port}: the database did not answer within 10 s. Check DATABASE_URL, and that PostgreSQL is up and not overloaded.\n`,
      );
      // It gave up after its own 10 s, which it names: knex's default wait of a minute would time this test out.
    } finally {
      silent.close();
    }
  }, 40_000);

  it('says so in one line when DATABASE_URL asks for TLS and the server offers none', async () => {
    // A server that answers PostgreSQL's SSLRequest with 'N', as one without ssl does.
    const plain = createServer((socket) => socket.once('data', () => socket.write('N')));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as AddressInfo;
    try {
      for (const args of [['--status', 'ERROR', '--dry-run'], ['status']]) {
        const result = await runBin(args, {
          DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/django?sslmode=require`,
        });
        expect(result).toMatchObject({ code: 1, stdout: '' });
        expect(result.stderr).toBe(
          `clear-telemetry: django on 127.0.0.1:${port}: the server does not offer TLS, which DATABASE_URL's sslmode asks for. Drop sslmode (or set it to disable), or turn ssl on in the server.\n`,
        );
      }
    } finally {
      plain.close();
    }
  });

  it('says the Django table belongs to the Django app when DATABASE_URL names another database', async () => {
    const name = uniqueName('ct_not_django');
    await withClient(ADMIN_URL, (admin) => admin.query(`create database "${name}"`));
    try {
      const result = await runBin(['--status', 'ERROR', '--force'], { DATABASE_URL: databaseUrl(name) });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(
        'clear-telemetry: relation "assignments_learnpackwebhook" does not exist. assignments_learnpackwebhook belongs to the Django app, which creates it; DATABASE_URL probably points at the wrong database.\n',
      );
    } finally {
      await withClient(ADMIN_URL, (admin) => admin.query(`drop database "${name}" with (force)`));
    }
  });

  it('says when the database user may not delete', async () => {
    const role = uniqueName('ct_reader');
    await withClient(ADMIN_URL, (admin) => admin.query(`create role ${role} login`));
    await db.client.query(`grant select on assignments_learnpackwebhook to ${role}`);
    await db.client.query(
      `grant select, insert, update, delete on clear_telemetry_request, clear_telemetry_notice to ${role}`,
    );
    await db.client.query(`grant usage on all sequences in schema public to ${role}`);
    try {
      const url = new URL(db.url);
      url.username = role;
      const result = await runBin(['--status', 'ERROR', '--force'], { DATABASE_URL: url.toString() });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('permission denied for table assignments_learnpackwebhook');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await countByStatus(db.client)).toEqual(untouched);
    } finally {
      await db.client.query(
        `revoke all on assignments_learnpackwebhook, clear_telemetry_request, clear_telemetry_notice from ${role}`,
      );
      await db.client.query(`revoke all on all sequences in schema public from ${role}`);
      await withClient(ADMIN_URL, (admin) => admin.query(`drop role ${role}`));
    }
  });
});

describe('end to end', () => {
  it('prints help, with the environment it reads and its exit codes', async () => {
    const result = await runBin(['--help'], {});
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.startsWith(`${usage('clear-telemetry')}\n\nEnvironment:\n  DATABASE_URL `)).toBe(true);
    expect(result.stdout).toContain(
      'Exit codes: 0 done, 1 failed, 2 refused before anything was touched (bad usage, no "yes", no ledger),\n' +
        '  75 another purge is running, 130 stopped (Ctrl-C or Stop; resumable), 141 output closed (stopped after its batch; resumable)',
    );
  });

  it('runs the bundle npm ci builds; --help loads no database code, and a dry run no MikroORM', async (context) => {
    if (!existsSync(resolve(PROJECT_ROOT, 'dist/cli/main.js')))
      return context.skip('dist/ is not built (npm ci builds it; the test setup rebuilds it)');
    const source = await runBin(['--help'], { CLEAR_TELEMETRY_SOURCE: '1' });
    const bundled = await runBin(['--help'], {});
    expect(bundled, 'dist/ is older than the source: npm run build').toEqual(source);
    // The packages a run of the bin loaded (CommonJS packages land in require's cache, imported or required).
    const dir = mkdtempSync(join(tmpdir(), 'ct-loaded-'));
    const probe = join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))},
        JSON.stringify([...new Set(Object.keys(require.cache).map((path) => /node_modules[\\/]((@[^\\/]+[\\/])?[^\\/]+)/.exec(path)?.[1]).filter(Boolean))])));`,
    );
    const loaded = async (args: string[]) => {
      const run = await start(process.execPath, ['--require', probe, 'bin/clear-telemetry.js', ...args], env).done;
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as string[])
        .map((name) => name.replaceAll('\\', '/'))
        .sort();
    };
    try {
      expect(await loaded(['--help'])).toEqual([]);
      const dryRun = await loaded(['--status', 'ERROR', '--dry-run']);
      expect(dryRun).toContain('pg');
      expect(dryRun.filter((name) => /^(@mikro-orm|knex|@slack|pino)/.test(name))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its version', async () => {
    const result = await runBin(['--version'], {});
    expect(result).toMatchObject({ code: 0, stdout: 'clear-telemetry 0.1.0\n', stderr: '' });
  });

  it('names the database first, says "every status" for ALL, and warns about PENDING rows still being delivered', async () => {
    const result = await runBin(['--status', 'ALL', '--dry-run'], { ...env, CLEAR_TELEMETRY_ENVIRONMENT: 'staging' });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Database: ${databaseLabel(db.url)} [STAGING]`);
    expect(lines[1]).toBe('Found 55 LearnPackWebhook records of every status');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}Warning: the newest PENDING rows were created [\d.,]+ (ms|s) ago\. They are live webhooks still being delivered: deleting them makes the worker retry and lose that telemetry\.$/,
      ),
    );
    const errors = await runBin(['--status', 'ERROR', '--dry-run'], env);
    expect(errors.stdout).not.toContain('Warning:');
  });

  it('previews a dry run with the summary and deletes nothing', async () => {
    const result = await runBin(['--status', 'ERROR', '--dry-run', '--show-summary'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Database: ${databaseLabel(db.url)}`);
    expect(lines[1]).toBe("Found 20 LearnPackWebhook records with status 'ERROR'");
    expect(lines.slice(-11)).toEqual([
      '',
      'Current LearnPackWebhook status summary:',
      '----------------------------------------',
      'DONE: 5 records',
      'ERROR: 20 records',
      'IGNORED: 0 records',
      'PENDING: 30 records',
      '----------------------------------------',
      'Total: 55 records',
      'DRY RUN MODE - No records will be deleted',
      '',
    ]);
    expect(await countByStatus(db.client)).toEqual(untouched);
  });

  it('says so when nothing matches, and still shows the summary', async () => {
    const result = await runBin(['--status', 'IGNORED', '--force', '--show-summary'], env);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[1]).toBe("No LearnPackWebhook records found with status 'IGNORED'");
    expect(result.stdout).toContain('Total: 55 records');
  });

  it('deletes with --force and prints the Django command lines', async () => {
    const result = await runBin(['--status', 'PENDING', '--use-cursor', '--force'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines[1]).toBe("Found 30 LearnPackWebhook records with status 'PENDING'");
    expect(lines).toContain(
      "  Method: native: --use-cursor asks for one statement, as the old command's --use-cursor did",
    );
    // Without a terminal (cron, CI), each progress line says when.
    expect(lines.at(-2)).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z Deleted 30\/30 records \(100\.0%\) - Remaining: 0 - batch 1\/1 - [\d,]+ rows\/s - ETA 0 ms$/,
    );
    expect(lines.at(-1)).toMatch(
      /^Successfully deleted 30 LearnPackWebhook records with status 'PENDING' in \d+ ms \(native, 1 batch\)$/,
    );
    expect(await countByStatus(db.client)).toEqual({ ERROR: 20, DONE: 5 });
  });

  it('stops after the current batch on Ctrl-C, says what it deleted and exits 130', async () => {
    await truncateWebhooks(db.client);
    await seedWebhooks(db.client, 20_000, 20_000);
    const running = start(process.execPath, ['bin/clear-telemetry.js', '--batch-size', '1000', '--force'], {
      ...env,
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000',
    });
    await running.waitFor(/Z Deleted /);
    running.child.kill('SIGINT');
    const result = await running.done;

    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/Z Stopping after the current batch \(press Ctrl-C again to quit at once\)\.\.\.\n/);
    const stopped = /Stopped after deleting ([\d,]+) of 20,000 LearnPackWebhook records with status 'PENDING'/.exec(
      result.stderr,
    );
    expect(stopped, result.stderr).not.toBeNull();
    const deleted = Number(stopped?.[1]?.replaceAll(',', ''));
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(20_000);
    expect(deleted % 1000).toBe(0);
    expect(await countByStatus(db.client)).toEqual({ PENDING: 20_000 - deleted });
  });
});

describe('the gates', () => {
  // The defaults of a real install: PENDING's minimum age of 10 minutes.
  const installed = () => ({ DATABASE_URL: db.url });

  it('says what the gates kept out when nothing is left: never "none" while rows exist', async () => {
    // The 30 PENDING rows were just inserted: all younger than the minimum age.
    const pending = await runBin(['--status', 'PENDING', '--dry-run'], installed());
    expect(pending.stdout.split('\n')[1]).toBe(
      "No LearnPackWebhook records to delete with status 'PENDING': all 30 PENDING rows are younger than 10 min (still being delivered); --older-than 0 includes them",
    );
    const done = await runBin(['--status', 'DONE', '--older-than', '7d', '--force'], installed());
    expect(done).toMatchObject({ code: 0 });
    expect(done.stdout.split('\n')[1]).toBe(
      "No LearnPackWebhook records to delete with status 'DONE': all 5 DONE rows were created in the last 7 d (--older-than 7d); a shorter --older-than includes the older of them",
    );
    expect((await runBin(['--status', 'IGNORED', '--dry-run'], installed())).stdout.split('\n')[1]).toBe(
      "No LearnPackWebhook records found with status 'IGNORED'",
    );
    expect(await countByStatus(db.client)).toEqual(untouched);
  });

  it('keeps PENDING rows younger than the minimum age, and says how many and how to include them', async () => {
    await truncateWebhooks(db.client);
    const ids = await insertAgedMix(db.client);
    const dry = await runBin(['--status', 'ALL', '--dry-run'], installed());
    expect(dry.stdout).toContain('Found 6 LearnPackWebhook records of every status\n');
    expect(dry.stdout).toContain(
      '  Kept: 1 PENDING row younger than 10 min (still being delivered); use --older-than 0 to include them\n',
    );

    const result = await runBin(['--status', 'PENDING', '--force'], installed());
    expect(result.code).toBe(0);
    expect(await remainingIds(db.client)).toEqual(ids.filter((_, i) => i !== 1 && i !== 3));
  });

  it('deletes only rows created before --older-than, and at most --limit of them, oldest first', async () => {
    await truncateWebhooks(db.client);
    const ids = await insertAgedMix(db.client);
    const result = await runBin(['--status', 'ERROR', '--older-than', '10m', '--limit', '1', '--force'], installed());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      / {2}Only rows created before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(--older-than 10 min\); kept: 1 newer row\n/,
    );
    expect(result.stdout).toContain('  Limited to the 1 oldest matching rows (--limit 1)\n');
    expect(await remainingIds(db.client)).toEqual(ids.filter((_, i) => i !== 0));
  });

  it('refuses a malformed age or limit, touching nothing', async () => {
    const age = await runBin(['--older-than', '30'], installed());
    expect(age).toMatchObject({ code: 2 });
    expect(age.stderr).toContain("--older-than needs an age such as 30m, 6h or 7d, or 0 for every row (got '30').");
    const limit = await runBin(['--limit', '0'], installed());
    expect(limit.stderr).toContain("--limit must be a whole number of rows, at least 1 (got '0').");
    expect(await countByStatus(db.client)).toEqual(untouched);
  });
});

describe('status and history', () => {
  it('prints the purge result as JSON for scripts, then the request in history and the table in status', async () => {
    const purged = await runBin(['--status', 'ERROR', '--force', '--json'], env);
    expect(purged.code).toBe(0);
    expect(JSON.parse(purged.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({
      state: 'completed',
      status: 'ERROR',
      previewed: 20,
      deleted: 20,
      method: 'native',
      error: null,
    });

    const history = await runBin(['history', '--json'], env);
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      id: expect.any(Number) as number,
      source: 'terminal',
      status: 'ERROR',
      method: 'native',
      deleted: 20,
      previewed: 20,
      state: 'succeeded',
    });
    expect(history.stderr).toBe(`Database: ${databaseLabel(db.url)}\n`);

    const plain = await runBin(['history'], env);
    expect(plain.stdout.split('\n')[1]).toMatch(
      /^#\d+ · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · terminal:.+ → terminal:.+ · ERROR · native · 20 of 20 · \d+ ms · succeeded$/,
    );

    const status = await runBin(['status'], env);
    expect(status.stdout.split('\n').slice(1)).toEqual([
      'Nothing is running, queued, awaiting approval or resumable.',
      'Table: DONE 5 · ERROR 0 · IGNORED 0 · PENDING 30 (counted just now)',
      '',
    ]);
  });
});

describe('one runner per table, and the audit row', () => {
  it('records a terminal run in the ledger, naming the OS user', async () => {
    const result = await runBin(['--status', 'ERROR', '--force'], env);
    expect(result.code).toBe(0);
    const { rows } = await db.client.query<{
      source: string;
      state: string;
      requester_id: string;
      self_approved: boolean;
      deleted_count: number;
    }>('select source, state, requester_id, self_approved, deleted_count from clear_telemetry_request');
    expect(rows).toEqual([
      {
        source: 'terminal',
        state: 'succeeded',
        requester_id: expect.stringMatching(/^terminal:.+@.+$/) as string,
        self_approved: true,
        deleted_count: 20,
      },
    ]);
  });

  it('refuses while another purge is running on the table, touching nothing', async () => {
    const { rows } = await db.client.query<{ id: number }>(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force,
         method, method_reason, matching_count, total_count, status_counts, planned_at, requester_id, channel_id, message_ts, runner_id, heartbeat_at, started_at)
       values (now(), now(), 'slack', 'assignments_learnpackwebhook', 'running', 'DONE', 10000, false, false, 'batch', 'test', 5, 55, '[]',
         now(), 'UOTHER', 'COPS', '1.2', 'elsewhere', now(), now()) returning id`,
    );
    const result = await runBin(['--status', 'ERROR', '--force'], env);
    expect(result.code).toBe(75);
    const id = rows[0]?.id ?? 0;
    expect(result.stderr).toBe(
      `Another purge of assignments_learnpackwebhook is running: request #${id}, requested in Slack by UOTHER, 0 of 5 deleted so far. ` +
        `Try again when it has finished, or stop it after its current batch: clear-telemetry stop --request ${id} (or Stop on its Slack message). ` +
        `If its process was killed, #${id} counts as interrupted once it has sent no heartbeat for 15 s; clear-telemetry resume --request ${id} then continues it.\n`,
    );
    expect(await countByStatus(db.client)).toEqual(untouched);
    // It never ran: no row says it was cancelled by anyone.
    const { rows: mine } = await db.client.query<{ state: string }>(
      `select state from clear_telemetry_request where source = 'terminal'`,
    );
    expect(mine).toEqual([]);
  });

  it('says, of a terminal run that looks busy, when a killed one counts as interrupted', async () => {
    const { rows } = await db.client.query<{ id: number }>(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force,
         method, method_reason, matching_count, total_count, status_counts, planned_at, requester_id, runner_id, heartbeat_at, started_at)
       values (now(), now(), 'terminal', 'assignments_learnpackwebhook', 'running', 'DONE', 10000, false, true, 'batch', 'test', 5, 55, '[]',
         now(), 'terminal:ops@box', 'terminal:ops@box:1', now(), now()) returning id`,
    );
    const result = await runBin(['--status', 'ERROR', '--force'], { ...env, CLEAR_TELEMETRY_STALE_AFTER: '45s' });
    expect(result.code).toBe(75);
    const id = rows[0]?.id ?? 0;
    expect(result.stderr).toBe(
      `Another purge of assignments_learnpackwebhook is running: request #${id}, started from ops@box, 0 of 5 deleted so far. ` +
        `Try again when it has finished, or stop it after its current batch: clear-telemetry stop --request ${id}. ` +
        `If its process was killed, #${id} counts as interrupted once it has sent no heartbeat for 45 s; clear-telemetry resume --request ${id} then continues it.\n`,
    );
    expect(await countByStatus(db.client)).toEqual(untouched);
  });
});

describe('the method, as someone who knew the Django command expects', () => {
  it('deletes in batches when --batch-size is given or a ceiling is set, however few the rows', async () => {
    const sized = await runBin(['--status', 'ERROR', '--batch-size', '7', '--force'], env);
    expect(sized.code, sized.stderr).toBe(0);
    expect(sized.stdout).toContain(
      "  Method: batch, about 3 batches aimed at up to 7 rows each: --batch-size 7 aims each batch at up to 7 rows, as the old command's batches (a batch is an id range, so it can hold more where matching rows bunch up)",
    );
    expect(sized.stdout).toMatch(
      /Successfully deleted 20 LearnPackWebhook records with status 'ERROR' in [\d.,]+ m?s \(batch, 3 batches\)/,
    );
    const paced = await runBin(['--status', 'DONE', '--dry-run'], {
      ...env,
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '2000',
    });
    expect(paced.stdout).toContain(
      '  Method: batch, about 1 batch aimed at up to 100,000 rows: a ceiling of 2,000 rows/s is set (CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND), and only batches can keep to it',
    );
    const refused = await runBin(['--status', 'DONE', '--use-cursor', '--force'], {
      ...env,
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '2000',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--use-cursor deletes in one statement, which cannot be paced');
    expect(await countByStatus(db.client)).toEqual({ PENDING: 30, DONE: 5 });
  });
});

describe('stopped runs, resumed from the terminal', () => {
  const paced = { CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0', CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '4000' };

  it('names the request after Ctrl-C, and resume --request N deletes exactly the rest of the plan', async () => {
    await truncateWebhooks(db.client);
    await seedWebhooks(db.client, 20_000, 20_000);
    const running = start(
      process.execPath,
      ['bin/clear-telemetry.js', '--status', 'PENDING', '--batch-size', '1000', '--force'],
      {
        ...env,
        ...paced,
      },
    );
    await running.waitFor(/Z Deleted /);
    // Rows that arrive after the preview: resuming the plan must never touch them.
    const late = await insertWebhooks(db.client, ['PENDING', 'PENDING', 'PENDING']);
    running.child.kill('SIGINT');
    const stopped = await running.done;
    expect(stopped.code).toBe(130);
    const [request] = (
      await db.client.query<{ id: number; state: string; deleted_count: number }>(
        'select id, state, deleted_count from clear_telemetry_request',
      )
    ).rows;
    expect(request?.state).toBe('stopped');
    const left = 20_000 - (request?.deleted_count ?? 0);
    expect(stopped.stderr).toContain(
      `  To delete the remaining ${left.toLocaleString('en-US')} previewed rows (same watermark, same plan): clear-telemetry resume --request ${request?.id}\n`,
    );

    const resumed = await runBin(['resume', '--request', String(request?.id), '--force'], { ...env, ...paced });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(
      `Resume request #${request?.id} (stopped): ${(20_000 - left).toLocaleString('en-US')} of 20,000 LearnPackWebhook records with status 'PENDING' deleted so far`,
    );
    expect(resumed.stdout).toMatch(/Successfully deleted 20,000 LearnPackWebhook records with status 'PENDING' in /);
    expect(await remainingIds(db.client)).toEqual(late);
    expect((await ledgerRow(db.client, request?.id ?? 0)).state).toBe('succeeded');
    // Nothing left to resume, and it says so.
    const again = await runBin(['resume', '--request', String(request?.id), '--force'], env);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toMatch(
      new RegExp(`^clear-telemetry: request #${request?.id} cannot be resumed: it succeeded at .* UTC\\.\\n$`),
    );
    // Nor to stop or cancel: each says where the request stands, in a sentence.
    for (const verb of ['stop', 'cancel']) {
      const refused = await runBin([verb, '--request', String(request?.id)], env);
      expect(refused).toMatchObject({ code: 1 });
      expect(refused.stderr).toMatch(new RegExp(`^clear-telemetry: nothing to ${verb}: it succeeded at .* UTC\\.\\n$`));
    }
  });

  it('stops after its batch when its output is closed, with no stack trace, recorded as stopped and resumable (exit 141)', async () => {
    await truncateWebhooks(db.client);
    await seedWebhooks(db.client, 20_000, 20_000);
    const running = start(
      process.execPath,
      ['bin/clear-telemetry.js', '--older-than', '0', '--batch-size', '1000', '--force'],
      {
        ...env,
        ...paced,
      },
    );
    // `| head -3`: the reader goes away after the first progress line.
    await running.waitFor(/Z Deleted /);
    running.child.stdout?.destroy();
    const result = await running.done;
    expect(result.code).toBe(141);
    expect(result.stderr).not.toMatch(/\n\s+at |EPIPE/);
    const [request] = (
      await db.client.query<{ id: number; state: string; deleted_count: number; error: string }>(
        'select id, state, deleted_count, error from clear_telemetry_request',
      )
    ).rows;
    expect(request).toMatchObject({ state: 'stopped', error: 'its output was closed' });
    expect(result.stderr).toMatch(
      /^Stopped \(its output was closed\) after deleting [\d,]+ of 20,000 LearnPackWebhook records with status 'PENDING' in /m,
    );
    expect(result.stderr).toContain(`clear-telemetry resume --request ${request?.id}`);
    expect(await countByStatus(db.client)).toEqual({ PENDING: 20_000 - (request?.deleted_count ?? 0) });
    // It is not left "running": the next purge is not refused as busy.
    const next = await runBin(['resume', '--request', String(request?.id), '--force'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(await countByStatus(db.client)).toEqual({});
  });

  it('stops a run going elsewhere with stop --request N, and says what is not stoppable', async () => {
    const { rows } = await db.client.query<{ id: number }>(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force,
         method, method_reason, matching_count, total_count, status_counts, planned_at, requester_id, runner_id, heartbeat_at, started_at)
       values (now(), now(), 'slack', 'assignments_learnpackwebhook', 'running', 'DONE', 10000, false, false, 'batch', 'test', 5, 55, '[]',
         now(), 'UOTHER', 'replica-a:1:ab12cd', now(), now()) returning id`,
    );
    const id = rows[0]?.id ?? 0;
    const stopped = await runBin(['stop', String(id)], env);
    expect(stopped).toMatchObject({ code: 0, stderr: '' });
    expect(stopped.stdout.split('\n')[1]).toBe(
      `Stop requested: request #${id} stops after its current batch (it runs in replica-a:1:ab12cd).`,
    );
    expect((await ledgerRow(db.client, id)).stop_requested_by).toMatch(/^terminal:/);
    const again = await runBin(['stop', String(id)], env);
    expect(again.code).toBe(1);
    const missing = await runBin(['cancel', '999'], env);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toBe(
      'clear-telemetry: request #999 is not in the ledger (clear-telemetry history lists the requests).\n',
    );
  });
});

describe('break-glass runs in the audit channel', () => {
  it('announces a terminal run there, with who, what, the result and the request number', async () => {
    const slack = await FakeSlack.serve();
    try {
      const result = await runBin(['--status', 'ERROR', '--archive', '--force', '--reason', 'INC-7 <!channel>'], {
        ...env,
        CLEAR_TELEMETRY_AUDIT_CHANNEL: 'CAUDIT',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: slack.apiUrl,
      });
      expect(result.code, result.stderr).toBe(0);
      const [request] = (
        await db.client.query<{ id: number; channel_id: string; message_ts: string }>(
          'select id, channel_id, message_ts from clear_telemetry_request',
        )
      ).rows;
      const [post] = slack
        .of('chat.postMessage')
        .filter((call) => call.body.channel === 'CAUDIT' && !call.body.thread_ts);
      expect(post?.body.text).toMatch(/^Deleting: 0 of 20 webhooks with status ERROR\.$/);
      expect(JSON.stringify(post?.body.blocks)).toMatch(/`[^`]+@[^`]+` \(terminal\)/);
      // It becomes the request's message: Stop, and later Resume or Restore, work from Slack.
      expect(request).toMatchObject({ channel_id: 'CAUDIT' });
      const final = slack.of('chat.update').at(-1);
      expect(final?.body.ts).toBe(request?.message_ts);
      expect(String(final?.body.text)).toMatch(/^Deleted 20 webhooks with status ERROR in /);
      expect(JSON.stringify(final?.body.blocks)).toContain(`Request #${request?.id}`);
      expect(slack.thread(request?.message_ts ?? '')).toEqual([
        expect.stringMatching(/^:white_check_mark: Deleted 20 webhooks/),
      ]);
      // The archived run says how to undo it, by its number, on the terminal too.
      expect(result.stdout).toContain(
        `  Archived as request #${request?.id}: restorable for 7 days with clear-telemetry restore --request ${request?.id}`,
      );
    } finally {
      await slack.close();
    }
  });

  it('runs anyway when Slack cannot be reached, and says so once', async () => {
    const result = await runBin(['--status', 'ERROR', '--force', '--json'], {
      ...env,
      CLEAR_TELEMETRY_AUDIT_CHANNEL: 'CAUDIT',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: 'http://127.0.0.1:1/api/',
    });
    expect(result.code).toBe(0);
    expect(result.stderr.match(/Warning: could not announce this run in the audit channel CAUDIT/g)).toHaveLength(1);
    expect(await countByStatus(db.client)).toEqual({ PENDING: 30, DONE: 5 });
    const json = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { requestId: number; state: string };
    expect(json.state).toBe('completed');
    expect(json.requestId).toBeGreaterThan(0);
  });
});

describe("without the bot's tables", () => {
  const withoutLedger = async (work: () => Promise<void>) => {
    await db.client.query('alter table clear_telemetry_request rename to clear_telemetry_request_away');
    try {
      await work();
    } finally {
      await db.client.query('alter table clear_telemetry_request_away rename to clear_telemetry_request');
    }
  };

  it('refuses to delete, unrecorded and unlocked, and says how to apply the migrations', async () => {
    await withoutLedger(async () => {
      const result = await runBin(['--status', 'ERROR', '--force'], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        [
          'clear-telemetry: this database has no clear_telemetry tables, so the run could be neither recorded nor kept from running beside another purge: nothing was deleted.',
          "  Apply the bot's migrations first, with a user that may create tables: clear-telemetry migrate (or npm run migrate).",
          '  To delete anyway, unrecorded and unlocked, add --unrecorded (break-glass; docs/runbook.md).',
          '',
        ].join('\n'),
      );
      // The preview promises no undo: there is nothing to archive into.
      expect(result.stdout).toContain(
        "  Undo: none; this database has no clear_telemetry tables to archive into (apply the bot's migrations)",
      );
      expect(await countByStatus(db.client)).toEqual(untouched);
      const archived = await runBin(['--status', 'ERROR', '--force', '--unrecorded'], {
        ...env,
        CLEAR_TELEMETRY_ARCHIVE: 'always',
      });
      expect(archived.code).toBe(2);
      expect(archived.stdout).not.toContain('restorable');
      expect(await countByStatus(db.client)).toEqual(untouched);
    });
  });

  it('deletes with --unrecorded, the break-glass flag, and warns before it starts that nothing records it', async () => {
    await withoutLedger(async () => {
      const result = await runBin(['--status', 'ERROR', '--force', '--unrecorded'], env);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(
        'Warning (--unrecorded): this database has no clear_telemetry tables, so this run is not recorded, takes no one-runner lock, cannot be resumed and cannot be undone.\n',
      );
      expect(result.stdout).toContain("Successfully deleted 20 LearnPackWebhook records with status 'ERROR'");
      expect(await countByStatus(db.client)).toEqual({ PENDING: 30, DONE: 5 });
    });
  });

  it('applies them with clear-telemetry migrate, and says when there is nothing to do', async () => {
    const applied = await runBin(['migrate'], env);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout.split('\n')[1]).toBe('The database is up to date.');
  });
});

describe('on a terminal', () => {
  /** `script` gives the command a pseudo-terminal, as a person at a shell would have. */
  async function onTerminal(args: string, answer: string, extra: Record<string, string> = {}) {
    const command = `${process.execPath} bin/clear-telemetry.js ${args}`;
    const running = start('script', ['-qec', command, '/dev/null'], {
      DATABASE_URL: db.url,
      CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
      TERM: 'xterm',
      ...extra,
    });
    await running.waitFor(/\(yes\/no\): /);
    // Ctrl-D is the end of input on a terminal: sent as is, not as a line.
    running.child.stdin?.write(answer === '\u0004' ? answer : `${answer}\n`);
    return running.done;
  }

  it('warns that the run will not be recorded before asking, not after', async () => {
    await db.client.query('alter table clear_telemetry_request rename to clear_telemetry_request_away');
    try {
      const result = await onTerminal('--status ERROR --unrecorded', 'no');
      const warning = result.stdout.indexOf('Warning (--unrecorded): this database has no clear_telemetry tables');
      expect(warning).toBeGreaterThan(0);
      expect(warning).toBeLessThan(result.stdout.indexOf('Are you sure'));
    } finally {
      await db.client.query('alter table clear_telemetry_request_away rename to clear_telemetry_request');
    }
  });

  it.each([
    ['"no"', 'no'],
    ['an empty answer', ''],
    ['Ctrl-D', '\u0004'],
  ])('asks first, and %s deletes nothing and exits 2', async (_, answer) => {
    const result = await onTerminal('--status ERROR', answer);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      `Are you sure you want to delete 20 LearnPackWebhook records with status 'ERROR' from ${databaseLabel(db.url)}? (yes/no): `,
    );
    expect(result.stdout).toContain('Operation cancelled');
    expect(await countByStatus(db.client)).toEqual(untouched);
  });

  it('deletes on "yes" and draws a progress bar', async () => {
    // Paced to about a second, so the bar is drawn a few times.
    const result = await onTerminal('--status ERROR --batch-size 5', 'yes', {
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '20',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Deleting \[[█░]+\] \d+% \| [\d,]+\/20 \| ids ≤ [\d,]+/);
    // The bar is erased (ESC[0J) before the result, which stands on a clean line.
    expect(result.stdout).toContain('\u001b[0JSuccessfully deleted 20 LearnPackWebhook records');
    expect(result.stdout).toContain("Successfully deleted 20 LearnPackWebhook records with status 'ERROR'");
    expect(await countByStatus(db.client)).toEqual({ PENDING: 30, DONE: 5 });
  });
});
