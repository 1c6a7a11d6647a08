import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, inject } from 'vitest';
import { initORM } from '../../src/db/init-orm.js';
import { SqlWebhookQueue } from '../../src/db/webhook-queue.js';
import { createScratchDb, type ScratchDb } from './scratch-db.js';
import { mikroSql } from '../../src/db/mikro-sql.js';

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
