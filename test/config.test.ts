import { describe, expect, it } from 'vitest';
import { loadDatabaseConfig, loadPurgeConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadDatabaseConfig', () => {
  it('accepts a PostgreSQL URL', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgresql://app:secret@db.internal:5432/django' })).toEqual({
      databaseUrl: 'postgresql://app:secret@db.internal:5432/django',
    });
  });

  it.each([
    [{}, 'DATABASE_URL is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname'],
    [{ DATABASE_URL: '  ' }, 'DATABASE_URL is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname'],
    [{ DATABASE_URL: 'postgres://db.internal' }, 'DATABASE_URL is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname'],
  ])('%j', (env, message) => {
    expect(() => loadDatabaseConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('loadPurgeConfig', () => {
  it('has safe defaults', () => {
    expect(loadPurgeConfig({})).toEqual({
      plan: { nativeMaxRows: 50_000, maxRowsPerSecond: 0, batchPauseMs: 0, batchPausePercent: 10 },
      purge: {
        maxRowsPerSecond: 0,
        batchPauseMs: 0,
        batchPausePercent: 10,
        batchTimeouts: { statementMs: 5_000, lockMs: 2_000 },
        nativeTimeouts: { statementMs: 30_000, lockMs: 2_000 },
      },
    });
  });

  it('reads every knob, with separators', () => {
    const config = loadPurgeConfig({
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '100_000',
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '20,000',
      CLEAR_TELEMETRY_BATCH_PAUSE_MS: '0',
      CLEAR_TELEMETRY_LOCK_TIMEOUT_MS: '500',
    });
    expect(config.plan).toEqual({ nativeMaxRows: 100_000, maxRowsPerSecond: 20_000, batchPauseMs: 0, batchPausePercent: 10 });
    expect(config.purge.batchTimeouts.lockMs).toBe(500);
  });

  it.each([
    [{ CLEAR_TELEMETRY_BATCH_PAUSE_MS: 'soon' }, "CLEAR_TELEMETRY_BATCH_PAUSE_MS must be a whole number from 0 to 60000 (got 'soon')"],
    [{ CLEAR_TELEMETRY_LOCK_TIMEOUT_MS: '1' }, "CLEAR_TELEMETRY_LOCK_TIMEOUT_MS must be a whole number of at least 10 (got '1')"],
  ])('names the variable: %j', (env, message) => {
    expect(() => loadPurgeConfig(env)).toThrow(new ConfigError(message));
  });
});
