import type { EntityManager } from '@mikro-orm/postgresql';
import type { HealthProbe } from '../domain/ports.js';
import { WEBHOOK_TABLE } from './entities/learnpack-webhook.js';
import { withDbErrors } from './db-errors.js';

/**
 * What PostgreSQL says about the webhook table's health, as GitLab's batched migrations check it
 * (AutovacuumActiveOnTable): a VACUUM working on the table means deleting more now only makes it
 * work harder. Seeing other sessions' progress needs pg_read_all_stats (or pg_monitor); without it
 * the probe sees nothing and never pauses.
 */
export class PgHealthProbe implements HealthProbe {
  constructor(private readonly em: EntityManager) {}

  async vacuumRunning(): Promise<boolean> {
    const rows = await withDbErrors(() =>
      this.em.fork().execute<{ running: boolean }[]>(
        `select exists (select 1 from pg_stat_progress_vacuum where relid = to_regclass(?)) as running`,
        [WEBHOOK_TABLE],
      ),
    );
    return rows[0]?.running === true;
  }
}
