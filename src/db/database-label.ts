/** A PostgreSQL URL's database name and `host:port`, never with the password. */
export function databaseParts(databaseUrl: string): { name: string; host: string } {
  try {
    const url = new URL(databaseUrl);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return { name, host: `${url.hostname || 'localhost'}${url.port ? `:${url.port}` : ''}` };
  } catch {
    return { name: 'the database in DATABASE_URL', host: 'an unknown host' };
  }
}

/** `django on db.internal:5432`: what every plan and error names. */
export function databaseLabel(databaseUrl: string): string {
  const { name, host } = databaseParts(databaseUrl);
  return `${name} on ${host}`;
}
