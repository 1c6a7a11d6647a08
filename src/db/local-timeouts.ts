import type { Sql } from './sql.js';
import type { Timeouts } from '../domain/ports.js';

/**
 * `SET LOCAL` for a transaction's statement and lock timeouts (and any other settings), in one round
 * trip, so nothing leaks into the pool.
 */
export async function setLocalTimeouts(
  tx: Sql,
  timeouts: Timeouts,
  settings: Record<string, string> = {},
): Promise<void> {
  const all = { statement_timeout: `${timeouts.statementMs}ms`, lock_timeout: `${timeouts.lockMs}ms`, ...settings };
  const names = Object.keys(all);
  await tx.rows(
    `select ${names.map(() => 'set_config(?, ?, true)').join(', ')}`,
    names.flatMap((name) => [name, all[name as keyof typeof all]]),
  );
}
