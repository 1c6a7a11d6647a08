import type pg from 'pg';

/** Inserts webhook rows the way Django does (every column given: the table has no defaults). */
export async function insertWebhooks(client: pg.Client, statuses: readonly string[]): Promise<number[]> {
  if (statuses.length === 0) return [];
  const { rows } = await client.query<{ id: number }>(
    `insert into assignments_learnpackwebhook (is_streaming, event, payload, status, created_at, updated_at)
     select false, 'test', '{}'::jsonb, s, now(), now() from unnest($1::text[]) with ordinality as u(s, n) order by n
     returning id`,
    [statuses],
  );
  return rows.map((row) => row.id);
}

export async function countByStatus(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ status: string; count: string }>(
    'select status, count(*) as count from assignments_learnpackwebhook group by status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

export async function remainingIds(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ id: number }>('select id from assignments_learnpackwebhook order by id');
  return rows.map((row) => row.id);
}

export async function truncateWebhooks(client: pg.Client): Promise<void> {
  await client.query('truncate assignments_learnpackwebhook restart identity');
}

/** Empties the queue and every table of the bot's ledger, so that a test starts from nothing. */
export async function truncateAll(client: pg.Client): Promise<void> {
  await client.query(
    'truncate clear_telemetry_archive, clear_telemetry_policy_slot, clear_telemetry_request, clear_telemetry_notice restart identity cascade',
  );
  await truncateWebhooks(client);
}

/** Rows with the given status and creation time, in id order. */
export async function insertWebhooksAt(
  client: pg.Client,
  rows: readonly (readonly [string, Date])[],
): Promise<number[]> {
  const { rows: ids } = await client.query<{ id: number }>(
    `insert into assignments_learnpackwebhook (is_streaming, event, payload, status, created_at, updated_at)
     select false, 'test', '{}'::jsonb, s, c, c from unnest($1::text[], $2::timestamptz[]) with ordinality as u(s, c, n) order by n
     returning id`,
    [rows.map(([status]) => status), rows.map(([, created]) => created.toISOString())],
  );
  return ids.map((row) => row.id);
}

/**
 * The same mix for the terminal and Slack: ERROR and PENDING rows an hour old, 20 minutes old and
 * a minute old, relative to now. Returns the ids in that order.
 */
export function insertAgedMix(client: pg.Client): Promise<number[]> {
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  return insertWebhooksAt(client, [
    ['ERROR', ago(60)],
    ['PENDING', ago(60)],
    ['ERROR', ago(20)],
    ['PENDING', ago(20)],
    ['ERROR', ago(1)],
    ['PENDING', ago(1)],
    ['DONE', ago(60)],
  ]);
}
