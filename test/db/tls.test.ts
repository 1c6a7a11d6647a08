import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { pgConnection, sslOptions } from '../../src/db/tls.js';

/** What a plain pg client would actually use: pg lets the connection string's own settings win. */
function effective(url: string): unknown {
  const options = pgConnection(url);
  return (new pg.Client(options) as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters.ssl;
}

describe('TLS from sslmode, the same for the pool and plain clients', () => {
  it('encrypts without checking the certificate for require, as libpq does', () => {
    expect(sslOptions('postgres://u@db.example/django?sslmode=require')).toEqual({ rejectUnauthorized: false });
    expect(effective('postgres://u@db.example/django?sslmode=require')).toEqual({ rejectUnauthorized: false });
  });

  it('checks the certificate and the host for verify-full, the certificate alone for verify-ca', () => {
    expect(effective('postgres://u@db.example/django?sslmode=verify-full')).toEqual({ rejectUnauthorized: true });
    const ca = sslOptions('postgres://u@db.example/django?sslmode=verify-ca');
    expect(ca).toMatchObject({ rejectUnauthorized: true });
    expect(ca?.checkServerIdentity?.('db.example', {} as never)).toBeUndefined();
  });

  it('uses no TLS without sslmode or with disable, and leaves such a URL untouched', () => {
    expect(pgConnection('postgres://u:p%40ss@db.example:5433/django')).toEqual({
      connectionString: 'postgres://u:p%40ss@db.example:5433/django',
    });
    expect(effective('postgres://u@db.example/django?sslmode=disable')).toBe(false);
    expect(pgConnection('postgres://u@db.example/django?sslmode=require&application_name=x').connectionString).toBe(
      'postgres://u@db.example/django?application_name=x',
    );
  });
});
