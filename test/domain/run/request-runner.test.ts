import { afterEach, describe, expect, it } from 'vitest';
import { makePlan, type PlanPolicy } from '../../../src/domain/plan/plan.js';
import type { StatusFilter } from '../../../src/domain/plan/webhook-statuses.js';
import type { BatchSettings } from '../../../src/domain/run/batch-loop.js';
import { RequestRunner, type RunnerDeps } from '../../../src/domain/run/request-runner.js';
import { eventually } from '../../helpers/fake-slack.js';
import { HEALTHY, MemoryLedger, MemoryQueue } from '../../helpers/memory-ports.js';
import { RecordingReporter } from '../../helpers/recording-reporter.js';
import { UNPACED } from '../../helpers/records.js';

/**
 * The request runner through in-memory ports: one run per table, Stop, a lost claim, shutdown and
 * Resume, each checked on the ledger's record and the rows left. Runs are held to a rows-per-second
 * ceiling, so a person (the test) has time to act between batches.
 */
const BATCHES: PlanPolicy = { nativeMaxRows: 0, maxRowsPerSecond: 0, batchPauseMs: 0, batchPausePercent: 0 };
const PACED: BatchSettings = { ...UNPACED, maxRowsPerSecond: 4_000 };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let runners: RequestRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.map((runner) => runner.shutdown(5_000)));
  runners = [];
});

function world() {
  const ledger = new MemoryLedger();
  const queue = new MemoryQueue(ledger);
  const reporter = new RecordingReporter();
  const runner = (runnerId: string, settings: BatchSettings = PACED) => {
    const deps: RunnerDeps = {
      ledger,
      queue,
      health: HEALTHY,
      settings,
      run: {
        staleAfterMs: 15_000,
        janitorEveryMs: 5_000,
        slowBatchCooldownMs: 0,
        shutdownTimeoutMs: 5_000,
        maxReplicaLagMs: 10_000,
        maxReplicaLagBytes: 1e9,
      },
      reporter,
      runnerId,
      clock: () => new Date(),
      log: silent,
    };
    const made = new RequestRunner(deps);
    runners.push(made);
    return made;
  };
  /** Previews `status` in batches of `batchSize` and has a second person approve it; returns its id. */
  const approved = async (status: StatusFilter, batchSize = 100) => {
    const plan = makePlan(await queue.census(null), { status, batchSize, useCursor: false }, BATCHES, new Date());
    const request = await ledger.create({
      source: 'slack',
      plan,
      force: false,
      useCursor: false,
      requesterId: 'UALICE',
      teamId: null,
      channelId: 'C1',
      expiresAt: null,
    });
    expect(await ledger.approve(request.id, 'UBOB', false, new Date())).toBe(true);
    return request.id;
  };
  const row = (id: number) => ledger.rows.get(id);
  return { ledger, queue, reporter, runner, approved, row };
}

describe('the request runner', () => {
  it('runs an approved request to its end: exactly the previewed rows, recorded as succeeded', async () => {
    const { queue, reporter, runner, approved, row } = world();
    queue.add([...Array<string>(300).fill('ERROR'), ...Array<string>(50).fill('DONE')]);
    const id = await approved('ERROR');
    const late = queue.add(['ERROR', 'ERROR']);
    const running = runner('replica-a');

    await running.start(id);
    await running.idle();

    expect(row(id)).toMatchObject({ state: 'succeeded', position: { deleted: 300, batches: 3, lastId: 300 } });
    expect(queue.ids()).toEqual([...Array.from({ length: 50 }, (_, i) => 301 + i), ...late]);
    expect(reporter.calls).toEqual([
      ['started', id],
      ['finished:succeeded', id],
    ]);
  });

  it('runs one request per table: a second one is queued, said once, and runs when the first ends', async () => {
    const { queue, reporter, runner, approved, row } = world();
    queue.add([...Array<string>(2_000).fill('ERROR'), ...Array<string>(100).fill('DONE')]);
    const first = await approved('ERROR');
    const second = await approved('DONE');
    const a = runner('replica-a');
    const b = runner('replica-b');

    await a.start(first);
    await b.start(second);
    await b.start(second);
    await eventually(() => expect(row(second)?.state).toBe('succeeded'), 20_000);

    expect(row(first)?.state).toBe('succeeded');
    expect(reporter.calls.filter(([kind, id]) => kind === 'queued' && id === second)).toHaveLength(1);
    const at = (call: string, id: number) => reporter.calls.findIndex(([kind, of]) => kind === call && of === id);
    expect(at('started', second)).toBeGreaterThan(at('finished:succeeded', first));
    expect(queue.rows.size).toBe(0);
  });

  it('stops after the current batch on Stop, and Resume deletes exactly the rest, not rows added since', async () => {
    const { ledger, queue, reporter, runner, approved, row } = world();
    queue.add(Array<string>(4_000).fill('PENDING'));
    const id = await approved('PENDING');
    const a = runner('replica-a');
    await a.start(id);
    await eventually(() => expect(row(id)?.position.deleted).toBeGreaterThanOrEqual(500));

    await ledger.requestStop(id, 'UALICE');
    await a.idle();
    const stopped = row(id);
    expect(stopped?.state).toBe('stopped');
    expect(stopped?.position.deleted).toBeLessThan(4_000);
    expect(queue.rows.size).toBe(4_000 - (stopped?.position.deleted ?? 0));
    const late = queue.add(['PENDING', 'PENDING']);

    expect(await runner('replica-b').resume(id)).toBe('started');
    await eventually(() => expect(row(id)?.state).toBe('succeeded'), 20_000);
    expect(row(id)?.position.deleted).toBe(4_000);
    expect(queue.ids()).toEqual(late);
    expect(reporter.calls.map(([kind]) => kind)).toEqual([
      'started',
      'finished:stopped',
      'started',
      'finished:succeeded',
    ]);
  });

  it('deletes no further row once another runner holds the request, and does not record an end for it', async () => {
    const { queue, reporter, runner, approved, row } = world();
    queue.add(Array<string>(4_000).fill('DONE'));
    const id = await approved('DONE');
    const a = runner('replica-a');
    await a.start(id);
    await eventually(() => expect(row(id)?.position.deleted).toBeGreaterThanOrEqual(500));

    // As a janitor elsewhere would after declaring it dead, another runner takes it over.
    const taken = row(id);
    if (taken) taken.runnerId = 'replica-b';
    const deletedThen = taken?.position.deleted ?? 0;
    await a.idle();

    expect(row(id)).toMatchObject({ state: 'running', runnerId: 'replica-b' });
    expect(queue.rows.size).toBe(4_000 - deletedThen);
    expect(reporter.calls).toEqual([['started', id]]);
  });

  it('on shutdown, stops after the batch and leaves the run interrupted, for any other runner to resume', async () => {
    const { queue, runner, approved, row } = world();
    queue.add(Array<string>(4_000).fill('IGNORED'));
    const id = await approved('IGNORED');
    const a = runner('replica-a');
    await a.start(id);
    await eventually(() => expect(row(id)?.position.deleted).toBeGreaterThanOrEqual(500));

    await a.shutdown(5_000);
    expect(row(id)?.state).toBe('interrupted');
    expect(queue.rows.size).toBe(4_000 - (row(id)?.position.deleted ?? 0));
    // A runner that is shutting down takes nothing new.
    expect(await a.resume(id)).toBe('busy');

    expect(await runner('replica-b').resume(id)).toBe('started');
    await eventually(() => expect(row(id)?.state).toBe('succeeded'), 20_000);
    expect(queue.rows.size).toBe(0);
  });
});
