import type pg from 'pg';
import { expect } from 'vitest';
import { eventually, slashCommand, type FakeSlack } from './fake-slack.js';

export interface LedgerRow {
  id: number;
  state: string;
  approver_id: string | null;
  self_approved: boolean;
  decided_by: string | null;
  runner_id: string | null;
  stop_requested_by: string | null;
  deleted_count: number;
  batches_done: number;
  last_deleted_id: number | null;
  heartbeat_at: Date;
  matching_count: number;
  message_ts: string | null;
  error: string | null;
}

export async function ledgerRow(client: pg.Client, id: number): Promise<LedgerRow> {
  const { rows } = await client.query<LedgerRow>('select * from clear_telemetry_request where id = $1', [id]);
  if (!rows[0]) throw new Error(`no request ${id}`);
  return rows[0];
}

/** Waits until request `id` is in `state` (or one of them); returns its row. */
export function waitForState(
  client: pg.Client,
  id: number,
  states: string | string[],
  timeoutMs = 30_000,
): Promise<LedgerRow> {
  const wanted = Array.isArray(states) ? states : [states];
  return eventually(async () => {
    const row = await ledgerRow(client, id);
    expect(wanted).toContain(row.state);
    return row;
  }, timeoutMs);
}

/** Waits until the run has deleted at least `rows`. */
export function waitForDeleted(client: pg.Client, id: number, rows: number, timeoutMs = 30_000): Promise<LedgerRow> {
  return eventually(async () => {
    const row = await ledgerRow(client, id);
    expect(row.deleted_count).toBeGreaterThanOrEqual(rows);
    return row;
  }, timeoutMs);
}

/** Types `/clear-telemetry <text>` and waits for the preview to be posted and recorded. */
export async function preview(
  client: pg.Client,
  slack: FakeSlack,
  port: number,
  text: string,
  user = 'UREQUESTER',
): Promise<{ id: number; ts: string }> {
  const { rows: before } = await client.query<{ id: number }>(
    'select coalesce(max(id), 0) as id from clear_telemetry_request',
  );
  await slashCommand(port, text, user, 'COPS', slack.hooks);
  return eventually(async () => {
    const { rows } = await client.query<{ id: number; message_ts: string | null }>(
      'select id, message_ts from clear_telemetry_request where id > $1 order by id desc limit 1',
      [before[0]?.id ?? 0],
    );
    expect(rows[0]?.message_ts).toBeTruthy();
    return { id: rows[0]?.id ?? 0, ts: rows[0]?.message_ts ?? '' };
  });
}

/** The texts of every chat.update of message `ts`. */
export function editsOf(slack: FakeSlack, ts: string): string[] {
  return slack
    .of('chat.update')
    .filter((call) => call.body.ts === ts)
    .map((call) => `${String(call.body.text)} ${JSON.stringify(call.body.blocks)}`);
}
