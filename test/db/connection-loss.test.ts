import { beforeEach, describe, expect, it } from 'vitest';
import { planPurge, type PlanPolicy } from '../../src/domain/plan/plan.js';
import { purge } from '../../src/domain/run/purge.js';
import type { RunEvent } from '../../src/domain/run/batch-loop.js';
import { eventually } from '../helpers/fake-slack.js';
import { RecordingReporter } from '../helpers/recording-reporter.js';
import { seedWebhooks, withClient } from '../helpers/scratch-db.js';
import { MikroRequestLedger } from '../../src/db/request-ledger.js';
import { PgHealthProbe } from '../../src/db/health-probe.js';
import { PgRunLiveness } from '../../src/db/run-liveness.js';
import { mikroSql } from '../../src/db/mikro-sql.js';
import { RequestRunner } from '../../src/domain/run/request-runner.js';
import { loadPurgeConfig } from '../../src/config.js';
import { createLog } from '../../src/log.js';
import { useScratchOrm } from '../helpers/scratch-orm.js';
import { UNPACED } from '../helpers/records.js';
import { countByStatus, insertWebhooks, truncateWebhooks } from '../helpers/webhooks.js';

/**
 * A connection lost in the middle of a batch's transaction (a failover, a pooler restart,
 * pg_terminate_backend) must be retried, however the driver and the ORM report it: here the batch's
 * DELETE waits on a row lock inside its transaction when its backend is terminated.
 */
const scratch = useScratchOrm();
const policy: PlanPolicy = { nativeMaxRows: 0, maxRowsPerSecond: 0, batchPauseMs: 0, batchPausePercent: 0 };

beforeEach(async () => {
  await truncateWebhooks(scratch.db.client);
});

describe('a connection lost inside a batch transaction', () => {
  it('is retried, and the run deletes every row exactly once', async () => {
    const ids = await insertWebhooks(
      scratch.db.client,
      Array.from({ length: 100 }, () => 'ERROR'),
    );
    const plan = await planPurge(
      (cutoff) => scratch.queue.census(cutoff),
      scratch.queue,
      { status: 'ERROR', batchSize: 1_000, useCursor: false },
      policy,
      new Date(),
    );
    const settings = { ...UNPACED, connectionRetries: 3, batchTimeouts: { statementMs: 30_000, lockMs: 30_000 } };
    const events: RunEvent[] = [];
    let outcome: Awaited<ReturnType<typeof purge>> | undefined;
    await withClient(scratch.db.url, async (holder) => {
      await holder.query('begin');
      await holder.query('select id from assignments_learnpackwebhook where id = $1 for update', [ids[50]]);
      const running = purge(plan, scratch.queue, settings, { onEvent: (event) => void events.push(event) }).then(
        (result) => (outcome = result),
      );
      // The batch's DELETE is waiting for the row lock, inside its transaction: end its session now.
      // (Asked on another connection: inside the holder's transaction, pg_stat_activity stays as first read.)
      await eventually(async () => {
        const { rows } = await scratch.db.client.query<{ killed: boolean }>(
          `select pg_terminate_backend(pid) as killed from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query ilike 'delete from%'`,
        );
        expect(rows).toEqual([{ killed: true }]);
      });
      await holder.query('rollback');
      await running;
    });
    expect(outcome).toMatchObject({ state: 'completed', deleted: 100, error: null });
    expect(events.filter((event) => event.type === 'retry').map((event) => 'reason' in event && event.reason)).toEqual([
      'the database connection dropped; retrying in 500 ms (attempt 1)',
    ]);
    expect(await countByStatus(scratch.db.client)).toEqual({});
  });
});

describe('every connection of a recorded run terminated, mid-run', () => {
  it('rides through: the run succeeds, deleting every previewed row exactly once', async () => {
    await seedWebhooks(scratch.db.client, 20_000, 20_000);
    const ledger = new MikroRequestLedger(scratch.orm.em);
    const config = loadPurgeConfig({ DATABASE_URL: scratch.db.url, CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT: '0' });
    const plan = await planPurge(
      (cutoff) => scratch.queue.census(cutoff),
      scratch.queue,
      { status: 'PENDING', batchSize: 200, useCursor: false },
      { ...config.plan, pendingMinAgeMs: 0 },
      new Date(),
    );
    const request = await ledger.create({
      source: 'terminal',
      plan,
      force: true,
      useCursor: false,
      requesterId: 'terminal:test@host',
      teamId: null,
      channelId: null,
      expiresAt: null,
    });
    await ledger.approve(request.id, 'terminal:test@host', true, new Date());
    const runner = new RequestRunner({
      ledger,
      queue: scratch.queue,
      health: new PgHealthProbe(mikroSql(scratch.orm.em)),
      liveness: new PgRunLiveness(scratch.db.url),
      settings: { ...config.purge, maxRowsPerSecond: 20_000 },
      run: config.run,
      reporter: new RecordingReporter(),
      runnerId: 'test-runner',
      clock: () => new Date(),
      log: createLog(process.env.TEST_LOG ?? 'silent'),
      takesQueued: false,
    });
    const finished = runner.runNow(request.id);
    // Nine blips: each meets the run at a different moment (a statement, a commit, an idle pooled connection).
    for (const atLeast of [2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000, 16_000, 18_000]) {
      await eventually(async () =>
        expect((await ledger.get(request.id))?.position.deleted).toBeGreaterThanOrEqual(atLeast),
      );
      await scratch.db.client.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and application_name like 'clear-telemetry%'`,
      );
    }
    const done = await finished;
    expect(done).toMatchObject({ state: 'succeeded', error: null, position: { deleted: 20_000 } });
    expect(await countByStatus(scratch.db.client)).toEqual({});
  });
});
