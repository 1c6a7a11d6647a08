import type { MikroORM } from '@mikro-orm/postgresql';
import { withDbErrors } from './db-errors.js';
import { REQUEST_TABLE } from './entities/purge-request.js';

/** Whether the bot's ledger table exists (migrations applied), so a terminal run can be recorded. */
export async function ledgerExists(orm: MikroORM): Promise<boolean> {
  const [row] = await withDbErrors(() => orm.em.getConnection().execute<{ ledger: string | null }[]>('select to_regclass(?)::text as ledger', [REQUEST_TABLE]));
  return Boolean(row?.ledger);
}
