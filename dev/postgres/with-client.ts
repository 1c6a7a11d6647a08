import pg from 'pg';

/** One plain connection for a piece of work, closed afterwards (tests, the bench and the sandbox). */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
