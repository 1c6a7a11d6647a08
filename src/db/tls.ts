import type { ConnectionOptions } from 'node:tls';

/**
 * TLS from DATABASE_URL's `sslmode`, read the same way for MikroORM's pool and for plain `pg`
 * clients (the preview's, the run's liveness lock, the migration lock). MikroORM drops the URL's
 * parameters, and pg alone would take `require` as `verify-full` (and print a security warning on
 * every run), so the bot reads it: `disable` or none, no TLS; `verify-full`, the certificate and the
 * host name are checked; `verify-ca`, the certificate only; `require` and the rest, encrypted
 * without checking the certificate, as libpq does for `require`.
 */
export function sslOptions(databaseUrl: string): ConnectionOptions | undefined {
  const sslmode = new URL(databaseUrl).searchParams.get('sslmode');
  if (!sslmode || sslmode === 'disable') return undefined;
  if (sslmode === 'verify-full') return { rejectUnauthorized: true };
  if (sslmode === 'verify-ca') return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { rejectUnauthorized: false };
}

/** A plain `pg` client's connection settings: the URL without `sslmode`, which pg would read its own way, and the TLS above. */
export function pgConnection(databaseUrl: string): { connectionString: string; ssl?: ConnectionOptions } {
  const ssl = sslOptions(databaseUrl);
  const url = new URL(databaseUrl);
  if (!url.searchParams.has('sslmode')) return { connectionString: databaseUrl };
  url.searchParams.delete('sslmode');
  return { connectionString: url.toString(), ...(ssl ? { ssl } : {}) };
}
