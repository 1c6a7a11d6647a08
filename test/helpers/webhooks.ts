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
