/** `database@host:port` for a PostgreSQL URL, never with the password: what every plan and error names. */
export function databaseLabel(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return `${name}@${url.hostname || 'localhost'}${url.port ? `:${url.port}` : ''}`;
  } catch {
    return 'the database in DATABASE_URL';
  }
}
