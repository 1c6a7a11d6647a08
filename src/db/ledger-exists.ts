import { withDbErrors } from './db-errors.js';
import type { Sql } from './sql.js';
import { REQUEST_TABLE } from './tables.js';

/** Whether the bot's ledger table exists (migrations applied), so a terminal run can be recorded. */
export async function ledgerExists(sql: Sql): Promise<boolean> {
  const [row] = await withDbErrors(() =>
    sql.rows<{ ledger: string | null }>('select to_regclass(?)::text as ledger', [REQUEST_TABLE]),
  );
  return Boolean(row?.ledger);
}
