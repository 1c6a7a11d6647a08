import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, inject } from 'vitest';
import { initORM } from '../../src/db/init-orm.js';
import { SqlWebhookQueue } from '../../src/db/webhook-queue.js';
import type { BatchSettings } from '../../src/domain/run/batch-loop.js';
import { createScratchDb, type ScratchDb } from './scratch-db.js';
import { mikroSql } from '../../src/db/mikro-sql.js';

/** Settings that let the engine run flat out in tests: no pacing, no rests, no retries. */
export const UNPACED: BatchSettings = {
  maxRowsPerSecond: 0,
  batchPauseMs: 0,
  batchPausePercent: 0,
  batchTimeouts: { statementMs: 5_000, lockMs: 2_000 },
  nativeTimeouts: { statementMs: 5_000, lockMs: 2_000 },
  targetBatchMs: 10_000,
  minBatchSize: 1,
  lockRetries: 0,
  connectionRetries: 0,
};

export interface ScratchOrm {
  db: ScratchDb;
  orm: MikroORM;
  queue: SqlWebhookQueue;
}

/** A scratch database for one test file, with MikroORM and the webhook queue on it; dropped after the file. */
export function useScratchOrm(): ScratchOrm {
  const ctx = {} as ScratchOrm;
  beforeAll(async () => {
    ctx.db = await createScratchDb(inject('templateDb'));
    ctx.orm = await initORM(ctx.db.url);
    ctx.queue = new SqlWebhookQueue(mikroSql(ctx.orm.em));
  });
  afterAll(async () => {
    await ctx.orm?.close(true);
    await ctx.db?.drop();
  });
  return ctx;
}
