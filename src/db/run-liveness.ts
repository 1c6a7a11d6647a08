import { withDbErrors } from './db-errors.js';
import { connectPlain } from './sql.js';
import type { RunLiveness } from '../domain/run-ports.js';

/**
 * The first key of every run's advisory lock (the second is the request id). A constant, positive
 * int4: `pg_locks.classid` shows it as is, so the janitor's check can name it.
 */
export const RUN_LOCK_KEY = 0x0c1e_7e1e;

/**
 * A run's liveness, from PostgreSQL itself: while a run goes, its process holds a session-level
 * advisory lock on a connection nothing else uses. A process that dies loses its session and so the
 * lock, at once; a process that is only starved (a full pool, a slow database) keeps it. The janitor
 * interrupts a run only when its heartbeat is stale and its lock is free.
 */
export class PgRunLiveness implements RunLiveness {
  constructor(private readonly databaseUrl: string) {}

  async hold(requestId: number): Promise<() => Promise<void>> {
    // A dropped session only means the lock is gone; the heartbeat still speaks for the run.
    const client = await connectPlain(this.databaseUrl, `clear-telemetry run #${requestId}`);
    try {
      // Never wait for it: a frozen process that lost this request may still hold it, and the run
      // must not hang behind that. Then the heartbeat alone speaks for this run.
      const { rows } = await withDbErrors(() =>
        client.query<{ held: boolean }>('select pg_try_advisory_lock($1, $2) as held', [RUN_LOCK_KEY, requestId]),
      );
      if (!rows[0]?.held) throw new Error(`request #${requestId}'s liveness lock is still held by an earlier runner`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return async () => {
      await client.end().catch(() => undefined);
    };
  }
}
