import type { HealthProbe, ReplicaLag } from '../domain/ports.js';
import { WEBHOOK_TABLE } from './tables.js';
import { withDbErrors } from './db-errors.js';
import type { Sql } from './sql.js';

/**
 * What PostgreSQL says about the webhook table's health, as GitLab's batched migrations check it
 * (AutovacuumActiveOnTable): a VACUUM working on the table means deleting more now only makes it
 * work harder. Seeing other sessions' progress needs pg_read_all_stats (or pg_monitor); without it
 * the probe sees nothing and never pauses.
 */
export class PgHealthProbe implements HealthProbe {
  constructor(private readonly sql: Sql) {}

  async vacuumRunning(): Promise<boolean> {
    const rows = await withDbErrors(() =>
      this.sql.rows<{ running: boolean }>(
        `select exists (select 1 from pg_stat_progress_vacuum where relid = to_regclass(?)) as running`,
        [WEBHOOK_TABLE],
      ),
    );
    return rows[0]?.running === true;
  }

  /**
   * pg_stat_replication on the primary. Its lag columns are null for a user without pg_monitor or
   * pg_read_all_stats: such a replica is reported with both lags null, never silently left out.
   */
  async replicas(): Promise<ReplicaLag[]> {
    const rows = await withDbErrors(() =>
      this.sql.rows<{ name: string; lag_ms: number | null; lag_bytes: string | number | null }>(
        `select coalesce(nullif(application_name, ''), client_addr::text, 'pid ' || pid) as name,
                extract(epoch from replay_lag) * 1000 as lag_ms,
                pg_wal_lsn_diff(sent_lsn, replay_lsn) as lag_bytes
         from pg_stat_replication order by 1`,
      ),
    );
    return rows.map((row) => ({
      name: row.name,
      lagMs: row.lag_ms === null ? null : Number(row.lag_ms),
      lagBytes: row.lag_bytes === null ? null : Number(row.lag_bytes),
    }));
  }
}
