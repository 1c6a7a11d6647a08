import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/domain/plan/plan.js';
import type {
  ArchiveStore,
  ArchiveSurvey,
  Checkpoint,
  RestoreBatchRequest,
  RestoredBatch,
} from '../../../src/domain/ports.js';
import type { RunEvent } from '../../../src/domain/run/batch-loop.js';
import { RESTORE_BATCH_ROWS, restore, restorePlan } from '../../../src/domain/undo/restore.js';
import { samplePlan, UNPACED } from '../../helpers/records.js';

/**
 * The restore through an in-memory archive: what comes back, in which order and batches, what is
 * skipped, and how Stop and Resume bound it. The SQL adapter has its own tests (test/db/archive.test.ts).
 */
const SETTINGS = UNPACED;
const CHECKPOINT: Checkpoint = { requestId: 9, runnerId: 'runner-a' };

/** An archive of one purge (#1) and the table its rows go back to. */
class MemoryArchive implements ArchiveStore {
  /** Archive id → the row's own id. */
  readonly archived = new Map<number, number>();
  readonly table = new Set<number>();
  readonly batches: RestoreBatchRequest[] = [];

  constructor(rowIds: number[]) {
    rowIds.forEach((rowId, index) => this.archived.set(index + 1, rowId));
  }

  survey(): Promise<ArchiveSurvey> {
    const ids = [...this.archived.keys()];
    const rows = [...this.archived.values()];
    return Promise.resolve({
      rows: ids.length,
      firstArchiveId: ids.length ? Math.min(...ids) : null,
      lastArchiveId: ids.length ? Math.max(...ids) : null,
      minRowId: rows.length ? Math.min(...rows) : null,
      maxRowId: rows.length ? Math.max(...rows) : null,
      taken: rows.filter((id) => this.table.has(id)).length,
      expiresAt: null,
    });
  }

  restoreBatch(request: RestoreBatchRequest): Promise<RestoredBatch> {
    this.batches.push(request);
    const ids = [...this.archived.keys()]
      .filter((id) => id > request.afterId && id <= request.toId)
      .sort((a, b) => a - b)
      .slice(0, request.limit);
    let restored = 0;
    for (const id of ids) {
      const rowId = this.archived.get(id) ?? 0;
      if (this.table.has(rowId)) continue;
      this.table.add(rowId);
      this.archived.delete(id);
      restored++;
    }
    return Promise.resolve({ seen: ids.length, restored, lastArchiveId: ids.at(-1) ?? null });
  }

  expire(): Promise<number> {
    return Promise.resolve(0);
  }
}

async function planOf(archive: MemoryArchive): Promise<Plan> {
  return restorePlan(samplePlan({ batchSize: 100_000 }), await archive.survey(), new Date());
}

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('a restore', () => {
  it('puts every archived row back, in archive order, in batches of at most 5,000', async () => {
    const archive = new MemoryArchive(ids(1_001, 12_000));
    const events: RunEvent[] = [];
    const outcome = await restore(await planOf(archive), 1, archive, SETTINGS, {
      checkpoint: CHECKPOINT,
      onEvent: (event) => void events.push(event),
    });

    expect(outcome).toMatchObject({ state: 'completed', deleted: 12_000, lastId: 12_000, error: null });
    expect(outcome.skipped ?? 0).toBe(0);
    expect(archive.archived.size).toBe(0);
    expect(archive.table.size).toBe(12_000);
    expect(archive.batches.every((batch) => batch.limit <= RESTORE_BATCH_ROWS)).toBe(true);
    // Each batch starts after the last, and carries the run's claim to commit with its position.
    const starts = archive.batches.map((batch) => batch.afterId);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(starts).size).toBe(starts.length);
    expect(archive.batches.every((batch) => batch.checkpoint === CHECKPOINT)).toBe(true);
    const progress = events.flatMap((event) => (event.type === 'progress' ? [event.deleted] : []));
    expect(progress.at(-1)).toBe(12_000);
  });

  it('leaves rows whose id is taken again in the archive, and counts them as skipped', async () => {
    const archive = new MemoryArchive(ids(1, 10));
    archive.table.add(3);
    archive.table.add(7);
    const outcome = await restore(await planOf(archive), 1, archive, SETTINGS, { checkpoint: CHECKPOINT });

    expect(outcome).toMatchObject({ state: 'completed', deleted: 8, skipped: 2 });
    expect([...archive.archived.values()].sort((a, b) => a - b)).toEqual([3, 7]);
  });

  it('stops between batches when its gate aborts, and a resume brings back exactly the rest', async () => {
    const archive = new MemoryArchive(ids(1, 12_000));
    const plan = await planOf(archive);
    const stop = new AbortController();
    let gates = 0;
    const stopped = await restore(plan, 1, archive, SETTINGS, {
      checkpoint: CHECKPOINT,
      signal: stop.signal,
      gate: () => {
        if (++gates === 2) stop.abort();
        return Promise.resolve();
      },
    });
    expect(stopped).toMatchObject({ state: 'stopped', batches: 1 });
    expect(archive.table.size).toBe(stopped.deleted);

    const resumed = await restore(plan, 1, archive, SETTINGS, {
      checkpoint: CHECKPOINT,
      resumeFrom: { lastId: stopped.lastId, deleted: stopped.deleted, batches: stopped.batches },
    });
    expect(resumed).toMatchObject({ state: 'completed', deleted: 12_000 });
    expect(archive.table.size).toBe(12_000);
    expect(archive.archived.size).toBe(0);
  });

  it('refuses to run unrecorded: without a checkpoint nothing is touched', async () => {
    const archive = new MemoryArchive(ids(1, 5));
    const outcome = await restore(await planOf(archive), 1, archive, SETTINGS, {});
    expect(outcome).toMatchObject({ state: 'failed', deleted: 0 });
    expect(outcome.error?.message).toBe('a restore runs only as a recorded request');
    expect(archive.batches).toEqual([]);
  });
});
