import type { EntityManager } from '@mikro-orm/postgresql';
import type { Timeouts } from '../domain/ports.js';

/** `SET LOCAL` for a transaction's statement and lock timeouts, so nothing leaks into the pool. */
export async function setLocalTimeouts(tx: EntityManager, timeouts: Timeouts): Promise<void> {
  await tx.execute(`select set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)`, [`${timeouts.statementMs}ms`, `${timeouts.lockMs}ms`]);
}
