import { startApp } from '../src/start-app.js';
import { describe, expect, it } from 'vitest';
import { loadDatabaseConfig, loadPurgeConfig, loadSlackConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('loadDatabaseConfig', () => {
  it('accepts a PostgreSQL URL', () => {
    expect(
      loadDatabaseConfig({
        DATABASE_URL: 'postgresql://app:secret@db.internal:5432/django',
        CLEAR_TELEMETRY_ENVIRONMENT: 'production',
      }),
    ).toEqual({
      databaseUrl: 'postgresql://app:secret@db.internal:5432/django',
      target: {
        database: 'django on db.internal:5432',
        name: 'django',
        host: 'db.internal:5432',
        environment: 'production',
      },
    });
  });

  it.each([
    [
      {},
      'DATABASE_URL is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname',
    ],
    [
      { DATABASE_URL: 'postgres://app:p@ss@db.internal:5432/django' },
      "DATABASE_URL has an '@' in its user or password: write it as %40 (and ':' as %3A, '/' as %2F), e.g. postgres://user:p%40ss@host:5432/dbname",
    ],
    [
      { DATABASE_URL: '  ' },
      'DATABASE_URL is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname',
    ],
    [
      { DATABASE_URL: 'mysql://db/x' },
      'DATABASE_URL is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname',
    ],
    [
      { DATABASE_URL: 'postgres://db.internal' },
      'DATABASE_URL is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname',
    ],
    [
      { DATABASE_URL: 'not a url' },
      'DATABASE_URL is not a PostgreSQL URL. Use the form postgres://user:password@host:5432/dbname',
    ],
  ])('%j', (env, message) => {
    expect(() => loadDatabaseConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('loadPurgeConfig', () => {
  it('has safe defaults', () => {
    expect(loadPurgeConfig({})).toEqual({
      censusTimeoutMs: 60_000,
      requireReason: false,
      plan: {
        nativeMaxRows: 50_000,
        maxRowsPerSecond: 0,
        batchPauseMs: 0,
        batchPausePercent: 10,
        pendingMinAgeMs: 600_000,
        maxRows: null,
        archiveMode: 'optional',
        archiveDays: 7,
      },
      purge: {
        maxRowsPerSecond: 0,
        batchPauseMs: 0,
        batchPausePercent: 10,
        batchTimeouts: { statementMs: 5_000, lockMs: 2_000 },
        nativeTimeouts: { statementMs: 30_000, lockMs: 2_000 },
        targetBatchMs: 200,
        minBatchSize: 100,
        lockRetries: 8,
        connectionRetries: 5,
      },
      run: {
        staleAfterMs: 15_000,
        janitorEveryMs: 5_000,
        slowBatchCooldownMs: 5_000,
        shutdownTimeoutMs: 20_000,
        maxReplicaLagMs: 10_000,
        maxReplicaLagBytes: 256 * 1024 * 1024,
      },
    });
  });

  it('reads every knob, with separators', () => {
    const config = loadPurgeConfig({
      CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '100_000',
      CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '20,000',
      CLEAR_TELEMETRY_BATCH_PAUSE_MS: '0',
      CLEAR_TELEMETRY_LOCK_TIMEOUT_MS: '500',
      CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
      CLEAR_TELEMETRY_MAX_ROWS: '1,000,000',
      CLEAR_TELEMETRY_MAX_REPLICA_LAG: '30s',
      CLEAR_TELEMETRY_MAX_REPLICA_LAG_BYTES: '1_048_576',
      CLEAR_TELEMETRY_ARCHIVE: 'Always',
      CLEAR_TELEMETRY_ARCHIVE_DAYS: '30',
    });
    expect(config.plan).toEqual({
      nativeMaxRows: 100_000,
      maxRowsPerSecond: 20_000,
      batchPauseMs: 0,
      batchPausePercent: 10,
      pendingMinAgeMs: 0,
      maxRows: 1_000_000,
      archiveMode: 'always',
      archiveDays: 30,
    });
    expect(config.run).toMatchObject({ maxReplicaLagMs: 30_000, maxReplicaLagBytes: 1_048_576 });
    expect(config.purge.batchTimeouts.lockMs).toBe(500);
  });

  it.each([
    [
      { CLEAR_TELEMETRY_BATCH_PAUSE_MS: 'soon' },
      "CLEAR_TELEMETRY_BATCH_PAUSE_MS must be a whole number from 0 to 60000 (got 'soon')",
    ],
    [
      { CLEAR_TELEMETRY_LOCK_TIMEOUT_MS: '1' },
      "CLEAR_TELEMETRY_LOCK_TIMEOUT_MS must be a whole number of at least 10 (got '1')",
    ],
    [
      { CLEAR_TELEMETRY_ARCHIVE: 'sometimes' },
      "CLEAR_TELEMETRY_ARCHIVE must be always, optional or never (got 'sometimes')",
    ],
  ])('names the variable: %j', (env, message) => {
    expect(() => loadPurgeConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('loadSlackConfig', () => {
  const http = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret' };

  it('runs HTTP mode on PORT by default, failing closed on approvers', () => {
    expect(loadSlackConfig(http)).toEqual({
      mode: 'http',
      botToken: 'xoxb-1',
      signingSecret: 'secret',
      appToken: null,
      port: 3000,
      opsPort: 9090,
      apiUrl: 'https://slack.com/api/',
      channels: null,
      requesters: { kind: 'anyone' },
      approvers: { kind: 'nobody' },
      breakGlass: { kind: 'nobody' },
      approvalTtlMs: 15 * 60_000,
      logLevel: 'info',
      redisUrl: null,
    });
  });

  it('runs Socket Mode when SLACK_APP_TOKEN is set, and reads the lists', () => {
    expect(
      loadSlackConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        SLACK_API_URL: 'http://proxy.internal/api',
        CLEAR_TELEMETRY_CHANNELS: 'C01, G02',
        CLEAR_TELEMETRY_APPROVERS: 'U1,W2,S3',
        CLEAR_TELEMETRY_APPROVAL_TTL: '1h',
      }),
    ).toMatchObject({
      mode: 'socket',
      appToken: 'xapp-1',
      signingSecret: null,
      apiUrl: 'http://proxy.internal/api/',
      channels: ['C01', 'G02'],
      approvers: { kind: 'list', users: ['U1', 'W2'], groups: ['S3'] },
      approvalTtlMs: 3_600_000,
    });
  });

  it.each([
    [
      { SLACK_SIGNING_SECRET: 's' },
      "SLACK_BOT_TOKEN is missing. Set it to the bot token (xoxb-…) from the Slack app's settings",
    ],
    [
      { SLACK_BOT_TOKEN: 'xoxp-1', SLACK_SIGNING_SECRET: 's' },
      'SLACK_BOT_TOKEN must start with xoxb- (it is the bot token)',
    ],
    [
      {},
      `2 configuration problems:\n  SLACK_BOT_TOKEN is missing. Set it to the bot token (xoxb-…) from the Slack app's settings\n  SLACK_SIGNING_SECRET is missing. HTTP mode needs it to verify Slack's requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode`,
    ],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1' },
      "SLACK_SIGNING_SECRET is missing. HTTP mode needs it to verify Slack's requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode",
    ],
    [
      { ...http, SLACK_APP_TOKEN: 'xoxb-2' },
      'SLACK_APP_TOKEN must start with xapp- (it is the app-level token with connections:write)',
    ],
    [{ ...http, PORT: '70000' }, "PORT must be a whole number from 1 to 65535 (got '70000')"],
    [
      { ...http, PORT: '8080', OPS_PORT: '8080' },
      "OPS_PORT is 8080, the same as PORT: the operators' routes (/healthz, /readyz, /metrics) must not share Slack's port. Set OPS_PORT to another, e.g. 9090.",
    ],
    [{ ...http, SLACK_API_URL: 'slack.test' }, 'SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/'],
    [
      { ...http, CLEAR_TELEMETRY_APPROVERS: 'U1,alice' },
      "CLEAR_TELEMETRY_APPROVERS must be a comma-separated list of user IDs (U…, W…) or user group IDs (S…) (got 'alice')",
    ],
    [
      { ...http, CLEAR_TELEMETRY_CHANNELS: '#ops' },
      "CLEAR_TELEMETRY_CHANNELS must be a comma-separated list of channel IDs (C…, G…) (got '#ops')",
    ],
    [
      { ...http, CLEAR_TELEMETRY_APPROVAL_TTL: 'soon' },
      "CLEAR_TELEMETRY_APPROVAL_TTL must be a duration such as 15m, 900s or 1h (got 'soon')",
    ],
  ])('names the variable: %j', (env, message) => {
    expect(() => loadSlackConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('npm start', () => {
  it('reports every configuration problem at once, before touching the database or Slack', async () => {
    await expect(startApp({ env: { CLEAR_TELEMETRY_STALE_AFTER: 'never' } })).rejects.toThrow(
      new ConfigError(
        [
          '4 configuration problems:',
          '  DATABASE_URL is missing. Set it to the PostgreSQL URL of the Django database, e.g. postgres://user:password@host:5432/dbname',
          "  CLEAR_TELEMETRY_STALE_AFTER must be a duration such as 15m, 900s or 1h (got 'never')",
          "  SLACK_BOT_TOKEN is missing. Set it to the bot token (xoxb-…) from the Slack app's settings",
          "  SLACK_SIGNING_SECRET is missing. HTTP mode needs it to verify Slack's requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode",
        ].join('\n'),
      ),
    );
  });
});
