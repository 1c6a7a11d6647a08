import type { EntityManager } from '@mikro-orm/postgresql';
import type { PolicySlot, PolicySlots, SlotOutcome } from '../domain/policy/policy.js';
import { withDbErrors } from './db-errors.js';
import { POLICY_SLOT_TABLE } from './tables.js';

const TABLE = `"${POLICY_SLOT_TABLE}"`;

/** Each policy's slots in PostgreSQL: a slot is claimed by inserting its key, which only one process can. */
export class SqlPolicySlots implements PolicySlots {
  constructor(private readonly em: EntityManager) {}

  async claim(policy: string, slotAt: Date, outcome: SlotOutcome): Promise<boolean> {
    const rows = await this.run<{ policy: string }[]>(
      `insert into ${TABLE} (policy, slot_at, outcome) values (?, ?, ?) on conflict (policy, slot_at) do nothing returning policy`,
      [policy, slotAt, outcome],
    );
    return rows.length === 1;
  }

  async settle(
    policy: string,
    slotAt: Date,
    outcome: SlotOutcome,
    requestId: number | null,
    detail: string | null,
  ): Promise<void> {
    await this.run(
      `update ${TABLE} set outcome = ?, request_id = ?, detail = ?, updated_at = now() where policy = ? and slot_at = ?`,
      [outcome, requestId, detail, policy, slotAt],
    );
  }

  async latest(policy: string): Promise<PolicySlot | null> {
    const [row] = await this.run<
      { slot_at: Date | string; outcome: SlotOutcome; request_id: number | null; detail: string | null }[]
    >(`select slot_at, outcome, request_id, detail from ${TABLE} where policy = ? order by slot_at desc limit 1`, [
      policy,
    ]);
    return row
      ? { policy, slotAt: new Date(row.slot_at), outcome: row.outcome, requestId: row.request_id, detail: row.detail }
      : null;
  }

  private run<T>(sql: string, params: unknown[]): Promise<T> {
    return withDbErrors(() => this.em.fork().execute(sql, params) as Promise<T>);
  }
}
