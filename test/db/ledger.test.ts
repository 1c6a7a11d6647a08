import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MikroRequestLedger } from '../../src/db/request-ledger.js';
import { SqlWebhookQueue } from '../../src/db/webhook-queue.js';
import { LostOwnershipError } from '../../src/errors.js';
import { insertWebhooks, remainingIds, truncateAll } from '../helpers/webhooks.js';
import { PgRunLiveness } from '../../src/db/run-liveness.js';
import type { Plan } from '../../src/domain/plan/plan.js';
import type { NewPurgeRequest } from '../../src/domain/request/request.js';
import { useScratchOrm } from '../helpers/scratch-orm.js';
import { mikroSql } from '../../src/db/mikro-sql.js';
import type { RunResult } from '../../src/domain/run-ports.js';

/**
 * The ledger's conditional updates, one by one, on real PostgreSQL: each state change happens only
 * from the states it names, and says whether this caller won.
 */
const scratch = useScratchOrm();
let ledger: MikroRequestLedger;

const now = new Date('2026-11-29T03:00:00Z');
const plan: Plan = {
  status: 'ERROR',
  summary: { rows: [{ status: 'ERROR', count: 10 }], total: 10 },
  matching: 10,
  watermark: 10,
  firstId: 1,
  snapshot: null,
  cutoff: null,
  kept: 0,
  limit: null,
  overCap: null,
  replicaLagHidden: false,
  oldest: null,
  newest: null,
  newestPending: null,
  method: 'batch',
  methodReason: 'test',
  batchSize: 4,
  batches: 3,
  estimatedMs: 10,
  plannedAt: now,
  undo: { kind: 'none', forbidden: false },
};
const asked: NewPurgeRequest = {
  source: 'slack',
  plan,
  force: false,
  useCursor: false,
  requesterId: 'UASK',
  teamId: 'T1',
  channelId: 'COPS',
  expiresAt: new Date(now.getTime() + 60_000),
};
const result = (state: RunResult['state'], deleted = 4): RunResult => ({
  state,
  position: { lastId: 4, deleted, batches: 1 },
  methodUsed: 'batch',
  fallbackReason: null,
  error: state === 'failed' ? 'boom' : null,
  activeMs: 12,
});

const states = async () =>
  (
    await scratch.db.client.query<{ id: number; state: string }>(
      'select id, state from clear_telemetry_request order by id',
    )
  ).rows;

beforeAll(() => {
  ledger = new MikroRequestLedger(scratch.orm.em);
});

beforeEach(async () => {
  await truncateAll(scratch.db.client);
});

async function running(runnerId = 'R1') {
  const request = await ledger.create(asked);
  expect(await ledger.approve(request.id, 'UOK', false, now)).toBe(true);
  expect(await ledger.start(request.id, runnerId)).toBe('started');
  return request.id;
}

describe('the request ledger', () => {
  it('creates a request awaiting approval, with its plan as it was', async () => {
    const request = await ledger.create(asked);
    expect(request).toMatchObject({
      state: 'awaiting_approval',
      requesterId: 'UASK',
      approverId: null,
      position: { lastId: null, deleted: 0, batches: 0 },
    });
    expect(request.plan).toMatchObject({
      status: 'ERROR',
      matching: 10,
      watermark: 10,
      firstId: 1,
      batchSize: 4,
      batches: 3,
    });
  });

  it('approves once, and only before expiry', async () => {
    const request = await ledger.create(asked);
    expect(await ledger.approve(request.id, 'UOK', false, asked.expiresAt ?? now)).toBe(false);
    expect(await ledger.approve(request.id, 'UOK', true, now)).toBe(true);
    expect(await ledger.approve(request.id, 'UOTHER', false, now)).toBe(false);
    expect(await ledger.get(request.id)).toMatchObject({
      state: 'approved',
      approverId: 'UOK',
      approvedAt: now,
      selfApproved: true,
    });
  });

  it('cancels what awaits approval or waits in the queue, never a run', async () => {
    const waiting = await ledger.create(asked);
    expect(await ledger.cancel(waiting.id, 'UASK', now)).toBe(true);
    expect(await ledger.get(waiting.id)).toMatchObject({ state: 'cancelled', decidedBy: 'UASK', decidedAt: now });
    expect(await ledger.cancel(waiting.id, 'UASK', now)).toBe(false);

    const queued = await ledger.create(asked);
    await ledger.approve(queued.id, 'UOK', false, now);
    expect(await ledger.cancel(queued.id, 'UOK', now)).toBe(true);

    const id = await running();
    expect(await ledger.cancel(id, 'UASK', now)).toBe(false);
    expect((await ledger.get(id))?.state).toBe('running');
  });

  it('expires only requests past their expiry that still await approval', async () => {
    const due = await ledger.create({ ...asked, expiresAt: new Date(now.getTime() - 1) });
    await ledger.create({ ...asked, expiresAt: new Date(now.getTime() + 1) });
    await ledger.create({ ...asked, expiresAt: null });
    const approved = await ledger.create({ ...asked, expiresAt: new Date(now.getTime() - 1) });
    await ledger.approve(approved.id, 'UOK', false, new Date(now.getTime() - 10));

    expect((await ledger.expireDue(now)).map((request) => request.id)).toEqual([due.id]);
    expect(await states()).toEqual([
      { id: 1, state: 'expired' },
      { id: 2, state: 'awaiting_approval' },
      { id: 3, state: 'awaiting_approval' },
      { id: 4, state: 'approved' },
    ]);
    expect(await ledger.expireDue(now)).toEqual([]);
  });

  it('starts only an approved request, one at a time on the table', async () => {
    const first = await ledger.create(asked);
    expect(await ledger.start(first.id, 'R1')).toBe('not-approved');
    await ledger.approve(first.id, 'UOK', false, now);
    const second = await ledger.create(asked);
    await ledger.approve(second.id, 'UOK', false, now);

    expect(await ledger.start(first.id, 'R1')).toBe('started');
    expect(await ledger.start(first.id, 'R2')).toBe('not-approved');
    expect(await ledger.start(second.id, 'R2')).toBe('busy');
    expect((await ledger.running())?.id).toBe(first.id);
    expect((await ledger.nextQueued())?.id).toBe(second.id);
    expect(await ledger.get(first.id)).toMatchObject({ state: 'running', runnerId: 'R1' });
    expect((await ledger.get(first.id))?.heartbeatAt).not.toBeNull();
  });

  it('says "queued" once per blocker', async () => {
    const id = await running();
    const queued = await ledger.create(asked);
    await ledger.approve(queued.id, 'UOK', false, now);
    expect(await ledger.markQueued(queued.id, id)).toBe(true);
    expect(await ledger.markQueued(queued.id, id)).toBe(false);
    expect(await ledger.markQueued(queued.id, null)).toBe(true);
    expect(await ledger.markQueued(id, null)).toBe(false);
  });

  it('records Stop once, and Pause and Continue, only on a running request', async () => {
    const id = await running();
    expect(await ledger.requestStop(id, 'UASK', now)).toBe(true);
    expect(await ledger.requestStop(id, 'UOK', now)).toBe(false);
    expect(await ledger.setPause(id, 'UOK', now)).toBe(true);
    expect(await ledger.control(id)).toEqual({
      state: 'running',
      runnerId: 'R1',
      stopRequestedBy: 'UASK',
      pausedBy: 'UOK',
      pausedAt: now,
    });
    expect(await ledger.setPause(id, null, now)).toBe(true);
    expect((await ledger.control(id))?.pausedBy).toBeNull();

    const waiting = await ledger.create(asked);
    expect(await ledger.requestStop(waiting.id, 'UASK', now)).toBe(false);
    expect(await ledger.setPause(waiting.id, 'UASK', now)).toBe(false);
    expect(await ledger.control(999)).toBeNull();
  });

  it('takes heartbeats and a finish only from the runner that owns the run', async () => {
    const id = await running('R1');
    expect(await ledger.heartbeat(id, 'R2')).toBe('lost');
    expect(await ledger.heartbeat(id, 'R1')).toBe('alive');
    expect(await ledger.finish(id, 'R2', result('succeeded'), now)).toBeNull();
    expect((await ledger.get(id))?.state).toBe('running');

    const finished = await ledger.finish(id, 'R1', result('succeeded'), now);
    expect(finished).toMatchObject({
      state: 'succeeded',
      finishedAt: now,
      position: { lastId: 4, deleted: 4, batches: 1 },
      methodUsed: 'batch',
      activeMs: 12,
    });
    expect(await ledger.heartbeat(id, 'R1')).toBe('lost');
    expect(await ledger.finish(id, 'R1', result('failed'), now)).toBeNull();
  });

  it('resumes only an interrupted or failed request, keeping its position and adding its time', async () => {
    const id = await running('R1');
    expect(await ledger.resume(id, 'R2')).toBe('not-resumable');
    await ledger.requestStop(id, 'UASK', now);
    await ledger.setPause(id, 'UASK', now);
    await ledger.finish(id, 'R1', result('interrupted'), now);
    expect(await ledger.get(id)).toMatchObject({ state: 'interrupted', finishedAt: null });

    expect(await ledger.resume(id, 'R2')).toBe('started');
    expect(await ledger.get(id)).toMatchObject({
      state: 'running',
      runnerId: 'R2',
      stopRequestedBy: null,
      pausedBy: null,
      error: null,
      position: { lastId: 4, deleted: 4, batches: 1 },
    });
    await ledger.finish(id, 'R2', result('failed', 8), now);
    expect(await ledger.get(id)).toMatchObject({ state: 'failed', error: 'boom', activeMs: 24 });
    expect(await ledger.resume(id, 'R3')).toBe('started');
    await ledger.finish(id, 'R3', result('succeeded', 10), now);
    expect(await ledger.resume(id, 'R4')).toBe('not-resumable');
  });

  it('removes, labels and pauses only the request it names', async () => {
    const [first, second] = [await ledger.create(asked), await ledger.create(asked)];
    await ledger.attachMessage(first.id, 'COPS', '1.000001');
    expect(await ledger.get(first.id)).toMatchObject({ channelId: 'COPS', messageTs: '1.000001' });
    expect((await ledger.get(second.id))?.messageTs).toBeNull();
    const id = await running();
    expect(await ledger.setPause(id, 'UOK', now)).toBe(true);
    expect(await ledger.get(first.id)).toMatchObject({ pausedBy: null });
    await ledger.remove(first.id);
    expect((await states()).map((row) => row.id)).toEqual([second.id, id]);
  });

  it('approves a request that never expires, and records when a run started', async () => {
    const request = await ledger.create({ ...asked, expiresAt: null });
    expect(await ledger.approve(request.id, 'UOK', false, new Date('2099-01-01T00:00:00Z'))).toBe(true);
    expect(await ledger.start(request.id, 'R1')).toBe('started');
    expect((await ledger.get(request.id))?.startedAt).toBeInstanceOf(Date);
  });

  it('lists the newest requests first, in the states asked for, and queues by approval time', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await ledger.create(asked)).id);
    // Approved later in id and in time of the update, yet earlier by its approval time: it goes first.
    await ledger.approve(ids[1] ?? 0, 'UOK', false, new Date(now.getTime() - 1_000));
    await ledger.approve(ids[2] ?? 0, 'UOK', false, new Date(now.getTime() - 2_000));
    expect((await ledger.list(3)).map((request) => request.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect((await ledger.list(10, ['approved'])).map((request) => request.id)).toEqual([ids[2], ids[1]]);
    expect((await ledger.list(10, ['running'])).map((request) => request.id)).toEqual([]);
    expect((await ledger.nextQueued())?.id).toBe(ids[2]);
  });

  it('interrupts a run whose heartbeat is stale and whose liveness lock is free, and only such a run', async () => {
    const id = await running('R1');
    const liveness = new PgRunLiveness(scratch.db.url);
    const release = await liveness.hold(id);
    try {
      await scratch.db.client.query(
        `update clear_telemetry_request set heartbeat_at = now() - interval '5 seconds' where id = $1`,
        [id],
      );
      expect(await ledger.interruptStale(60_000)).toEqual([]);
      // Stale, but its process holds the lock: starved, not dead.
      expect(await ledger.interruptStale(1_000)).toEqual([]);
      // Silent for ten times the limit while holding the lock: hung, declared dead.
      expect((await ledger.interruptStale(400)).map((request) => request.id)).toEqual([id]);
    } finally {
      await release();
    }

    const other = await ledger.create(asked);
    await ledger.approve(other.id, 'UOK', false, now);
    expect(await ledger.start(other.id, 'R2')).toBe('started');
    await scratch.db.client.query(
      `update clear_telemetry_request set heartbeat_at = now() - interval '5 seconds' where id = $1`,
      [other.id],
    );
    const [interrupted] = await ledger.interruptStale(1_000);
    expect(interrupted).toMatchObject({ id: other.id, state: 'interrupted' });
    expect(interrupted?.error).toBe(
      'the process running it stopped (it crashed, was killed, or lost its database connection)',
    );
  });

  it('marks a run not responding once its lock is free and its heartbeat silent, once; its heartbeat clears the mark', async () => {
    const id = await running('R1');
    const silent = (seconds: number) =>
      scratch.db.client.query(
        `update clear_telemetry_request set heartbeat_at = now() - make_interval(secs => $2) where id = $1`,
        [id, seconds],
      );
    const release = await new PgRunLiveness(scratch.db.url).hold(id);
    await silent(10);
    // Its process holds the lock: alive, however long the heartbeat has been quiet.
    expect(await ledger.markUnresponsive(5_000)).toEqual([]);
    await release();
    await silent(2);
    expect(await ledger.markUnresponsive(5_000)).toEqual([]);
    await silent(6);
    const [marked] = await ledger.markUnresponsive(5_000);
    expect(marked).toMatchObject({ id, state: 'running' });
    expect(marked?.unresponsiveSince).toBeInstanceOf(Date);
    expect(await ledger.markUnresponsive(5_000)).toEqual([]);
    // It answers again: the mark goes, and the heartbeat says so, once.
    expect(await ledger.heartbeat(id, 'R1')).toBe('recovered');
    expect(await ledger.heartbeat(id, 'R1')).toBe('alive');
    expect((await ledger.get(id))?.unresponsiveSince).toBeNull();
  });

  it('resumes a stopped run too, within the same plan and position', async () => {
    const id = await running('R1');
    await ledger.requestStop(id, 'UASK', now);
    await ledger.finish(id, 'R1', result('stopped'), now);
    expect(await ledger.resume(id, 'R2')).toBe('started');
    expect(await ledger.get(id)).toMatchObject({
      state: 'running',
      runnerId: 'R2',
      stopRequestedBy: null,
      finishedAt: null,
    });
  });

  it('records where a message was posted again, for every replica to find', async () => {
    const request = await ledger.create(asked);
    await ledger.attachMessage(request.id, 'COPS', '1.000001');
    expect(await ledger.repostOf('COPS', '1.000001')).toBeNull();
    await ledger.recordRepost('COPS', '1.000001', '1.000009');
    expect(await ledger.repostOf('COPS', '1.000001')).toBe('1.000009');
    expect((await ledger.get(request.id))?.repostedTs).toBe('1.000009');
    expect(await ledger.repostOf('COTHER', '1.000001')).toBeNull();
  });
});

describe('a batch with a checkpoint', () => {
  const timeouts = { statementMs: 5_000, lockMs: 2_000 };

  it('deletes and moves the position in one transaction, only while this runner owns the request', async () => {
    const ids = await insertWebhooks(scratch.db.client, ['ERROR', 'ERROR', 'DONE', 'ERROR', 'ERROR', 'ERROR']);
    const queue = new SqlWebhookQueue(mikroSql(scratch.orm.em));
    const id = await running('R1');

    expect(
      await queue.deleteBatch({
        status: 'ERROR',
        fromId: 1,
        toId: 3,
        snapshot: null,
        cutoff: null,
        timeouts,
        checkpoint: { requestId: id, runnerId: 'R1' },
      }),
    ).toBe(2);
    expect((await ledger.get(id))?.position).toEqual({ lastId: 3, deleted: 2, batches: 1 });

    // Declared dead: another runner owns the request now.
    await scratch.db.client.query(`update clear_telemetry_request set runner_id = 'R2' where id = $1`, [id]);
    await expect(
      queue.deleteBatch({
        status: 'ERROR',
        fromId: 4,
        toId: 6,
        snapshot: null,
        cutoff: null,
        timeouts,
        checkpoint: { requestId: id, runnerId: 'R1' },
      }),
    ).rejects.toThrow(LostOwnershipError);
    await expect(
      queue.deleteAll({
        status: 'ERROR',
        watermark: 6,
        snapshot: null,
        cutoff: null,
        timeouts,
        checkpoint: { requestId: id, runnerId: 'R1' },
      }),
    ).rejects.toThrow(LostOwnershipError);
    expect(await remainingIds(scratch.db.client)).toEqual(ids.slice(2));
    expect((await ledger.get(id))?.position).toEqual({ lastId: 3, deleted: 2, batches: 1 });

    // Its own runner, but no longer running (stopped, interrupted): no batch either.
    await scratch.db.client.query(
      `update clear_telemetry_request set runner_id = 'R1', state = 'interrupted' where id = $1`,
      [id],
    );
    await expect(
      queue.deleteBatch({
        status: 'ERROR',
        fromId: 4,
        toId: 6,
        snapshot: null,
        cutoff: null,
        timeouts,
        checkpoint: { requestId: id, runnerId: 'R1' },
      }),
    ).rejects.toThrow(`request #${id} is no longer run by R1 (it is interrupted, runner R1)`);
    // Gone from the ledger altogether.
    await expect(
      queue.deleteBatch({
        status: 'ERROR',
        fromId: 4,
        toId: 6,
        snapshot: null,
        cutoff: null,
        timeouts,
        checkpoint: { requestId: 999, runnerId: 'R1' },
      }),
    ).rejects.toThrow('request #999 is no longer run by R1 (it is gone, runner none)');
    await scratch.db.client.query(
      `update clear_telemetry_request set runner_id = 'R2', state = 'running' where id = $1`,
      [id],
    );
    expect(
      await queue.deleteAll({
        status: 'ERROR',
        watermark: 5,
        snapshot: null,
        cutoff: null,
        timeouts,
        checkpoint: { requestId: id, runnerId: 'R2' },
      }),
    ).toBe(2);
    expect(await remainingIds(scratch.db.client)).toEqual([ids[2], ids[5]]);
    expect((await ledger.get(id))?.position).toEqual({ lastId: 5, deleted: 4, batches: 2 });
  });
});
