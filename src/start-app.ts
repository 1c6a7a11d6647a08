import { setTimeout as sleep } from 'node:timers/promises';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type WebClient } from '@slack/web-api';
import {
  clearTelemetryChores,
  PREVIEW_LIMITS,
  PreviewLimits,
  type PreviewLimitSettings,
  registerClearTelemetry,
  SlackReporter,
  type ClearTelemetryDeps,
} from '../commands/clear-telemetry/index.js';
import {
  loadDatabaseConfig,
  loadPolicyConfig,
  loadPurgeConfig,
  loadSlackConfig,
  type Env,
  type PolicyConfig,
  type PurgeConfig,
  type SlackConfig,
} from './config.js';
import { loadAll } from './env-values.js';
import { initORM } from './db/init-orm.js';
import { applyMigrations, pendingMigrations } from './db/migrate.js';
import { withDbErrors } from './db/db-errors.js';
import { healthRoutes, serveOpsRoutes } from './ops/ops-routes.js';
import { MikroRequestLedger } from './db/request-ledger.js';
import { SqlWebhookQueue } from './db/webhook-queue.js';
import { MikroNoticeOutbox } from './db/notice-outbox.js';
import { PgHealthProbe } from './db/health-probe.js';
import { PgRunLiveness } from './db/run-liveness.js';
import { Janitor } from './janitor.js';
import { SqlArchiveStore } from './db/archive-store.js';
import { expireArchives } from './domain/undo/archive-expiry.js';
import { RequestRunner, type RunnerDeps } from './domain/run/request-runner.js';
import { SharedCensus } from './domain/plan/shared-census.js';
import { summarize, type StatusSummary } from './domain/plan/plan.js';
import { Metrics, meteredLedger, meteredQueue, meteredReporter } from './ops/metrics.js';
import type { KnownBlock } from '@slack/types';
import { boltLogger, createLog, type Log } from './log.js';
import { createBoltApp, type BotIdentity } from './slack/create-app.js';
import { ConfigError } from './errors.js';
import { platformError } from './slack/retry-policy.js';
import { SLACK_LIMITS, type SlackLimits } from './slack/limits.js';
import { SlackGateway } from './slack/slack-gateway.js';
import { UserGroupDirectory } from './slack/user-groups.js';
import { mikroSql } from './db/mikro-sql.js';
import { runnerIdentity, type IdentityInputs } from './runner-identity.js';
import { checkPolicyChannels, loadPolicies } from './policies/load-policies.js';
import { policySchedules } from './policies/cron-schedule.js';
import { SqlPolicySlots } from './db/policy-slots.js';
import { SLOT_OUTCOMES, type Policy, type PolicyRoster } from './domain/policy/policy.js';

/** A run needs at most three connections at once: its batch, its heartbeat, and the janitor's sweep. */
const RUN_POOL_SIZE = 3;

export interface StartOptions {
  env: Env;
  /** Tests pass smaller limits and their own clock and log; production uses the defaults. */
  limits?: SlackLimits;
  clock?: () => Date;
  log?: Log;
  /** Overrides PORT (0 picks a free port). */
  port?: number;
  /** Overrides OPS_PORT (0 picks a free port). */
  opsPort?: number;
  /** Overrides CLEAR_TELEMETRY_JANITOR_EVERY. */
  janitorEveryMs?: number;
  previewLimits?: PreviewLimitSettings;
  /** Overrides the runner id, so tests can name two "replicas" in one process. */
  runnerId?: string;
  /** The host and pid the runner id is made from (a test gives two apps the same ones). */
  identity?: IdentityInputs;
}

export interface RunningApp {
  app: App;
  /** The request-handling pool (previews, clicks); runs have a pool of their own. */
  orm: MikroORM;
  /** Slack's HTTP port (HTTP mode); null in Socket Mode. */
  port: number | null;
  /** The operators' port: /healthz, /readyz, /metrics. */
  opsPort: number;
  deps: ClearTelemetryDeps;
  /** This process start's name in the ledger: host, pid and a random part. */
  runnerId: string;
  /** How long `stop` may take (CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT), for the caller's own deadline. */
  shutdownTimeoutMs: number;
  stop(): Promise<void>;
}

/**
 * Builds and starts the Slack app: config, database (applying the bot's own pending migrations
 * under an advisory lock, so replicas can start together), Slack clients and limiters, the command.
 */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  const [{ databaseUrl, target }, purgeConfig, slackConfig, policyConfig] = loadAll(
    () => loadDatabaseConfig(options.env),
    () => loadPurgeConfig(options.env),
    () => loadSlackConfig(options.env),
    () => loadPolicyConfig(options.env),
  );
  // A bad policy file stops the start, one line per mistake, before anything is touched.
  const policies = policyConfig.file ? await loadPolicies(policyConfig.file) : [];
  checkPolicyChannels(policies, slackConfig.channels);
  const log = options.log ?? createLog(slackConfig.logLevel);
  const limits = options.limits ?? SLACK_LIMITS;
  const clock = options.clock ?? (() => new Date());

  const metrics = new Metrics({ outboxPending: () => outbox.pending(), table: () => tableCounts(deps.census) });
  const client = slackClient(slackConfig, log, metrics);
  // Slack first: a wrong token must not leave migrations applied behind it.
  const identity = await checkToken(client);
  const orm = await initORM(databaseUrl);
  const applied = await applyMigrations(orm, databaseUrl);
  if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');
  const runnerId = options.runnerId ?? runnerIdentity(options.identity);
  const connection = slackConfig.redisUrl
    ? new Bottleneck.IORedisConnection({ client: new Redis(slackConfig.redisUrl) })
    : undefined;
  const outbox = new MikroNoticeOutbox<KnownBlock>(orm.em);
  const requestLedger = new MikroRequestLedger(orm.em);
  const slack = new SlackGateway(client, { limits, log, outbox, owner: runnerId, connection, reposts: requestLedger });
  const runOrm = await initORM(databaseUrl, { pool: { min: 0, max: RUN_POOL_SIZE } });
  const previewLimits = options.previewLimits ?? PREVIEW_LIMITS;
  const runner = slackRunner(runOrm, databaseUrl, purgeConfig, metrics, {
    reporter: meteredReporter(new SlackReporter(slack, log, target, requestLedger), metrics),
    runnerId,
    clock,
    log,
  });
  const groupMembers = new UserGroupDirectory(client, limits, () => clock().getTime(), connection).members;
  const deps = commandDeps(orm, slackConfig, purgeConfig, previewLimits, metrics, {
    target,
    slack,
    runner,
    groupMembers,
    clock,
    log,
    policies: policyRoster(orm, policies, policyConfig, metrics),
  });

  const app = createBoltApp(slackConfig, log, identity);
  registerClearTelemetry(app, deps);
  const ops = await serveOpsRoutes([...readinessRoutes(orm), metrics.route()], options.opsPort ?? slackConfig.opsPort);
  const server: unknown = await app.start(options.port ?? slackConfig.port);
  const port = slackConfig.mode === 'http' ? ((server as { address(): AddressInfo }).address().port ?? null) : null;
  // The janitor: every process, every few seconds. Finds runs whose process died, starts queued
  // requests when the table is free, closes expired previews, delivers notices nobody delivered.
  const janitor = new Janitor(
    async () => {
      await runner.sweep();
      await clearTelemetryChores(deps);
      await slack.redeliver();
      const expired = await expireArchives(deps.archive, deps.ledger);
      if (expired > 0) log.info({ rows: expired }, 'expired archived rows');
    },
    options.janitorEveryMs ?? purgeConfig.run.janitorEveryMs,
    log,
  );
  janitor.start();
  log.info(
    {
      mode: slackConfig.mode,
      port,
      opsPort: ops.port,
      runnerId,
      sharedLimits: Boolean(connection),
      policies: policies.map((policy) => policy.name),
    },
    'clear-telemetry is listening',
  );

  return {
    app,
    orm,
    port,
    opsPort: ops.port,
    deps,
    runnerId,
    shutdownTimeoutMs: purgeConfig.run.shutdownTimeoutMs,
    /** Graceful stop: no new work, runs interrupted (resumable) after their batch, then close. */
    async stop() {
      const deadline = Date.now() + purgeConfig.run.shutdownTimeoutMs;
      const left = () => Math.max(0, deadline - Date.now());
      await janitor.stop();
      await app.stop().catch((error: unknown) => log.warn({ err: error }, 'stopping the Slack receiver failed'));
      await new Promise((resolve) => ops.server.close(resolve));
      await runner.shutdown(left());
      // Deliver the interrupted results and audit replies while the limiters still run (an edit may
      // wait out its 2.5 s spacing); what is still undelivered at the deadline stays in the outbox.
      await Promise.race([slack.idle(), sleep(left(), undefined, { ref: false })]);
      await slack.close();
      await deps.previews.close();
      await connection?.disconnect();
      await runOrm.close(true);
      await orm.close(true);
    },
  };
}

/** What the command's handlers use, on the request-handling pool. */
function commandDeps(
  orm: MikroORM,
  slackConfig: SlackConfig,
  purgeConfig: PurgeConfig,
  previewLimits: PreviewLimitSettings,
  metrics: Metrics,
  parts: Pick<ClearTelemetryDeps, 'target' | 'slack' | 'runner' | 'groupMembers' | 'clock' | 'log' | 'policies'>,
): ClearTelemetryDeps {
  const queue = new SqlWebhookQueue(mikroSql(orm.em), { censusTimeoutMs: purgeConfig.censusTimeoutMs });
  const { channels, requesters, approvers, breakGlass, approvalTtlMs } = slackConfig;
  return {
    ...parts,
    access: { channels, requesters, approvers, breakGlass, approvalTtlMs },
    planPolicy: purgeConfig.plan,
    requireReason: purgeConfig.requireReason,
    queue,
    ledger: meteredLedger(new MikroRequestLedger(orm.em), metrics),
    archive: new SqlArchiveStore(mikroSql(orm.em)),
    previews: new PreviewLimits(previewLimits),
    census: new SharedCensus((cutoff) => queue.census(cutoff), {
      reuseForMs: previewLimits.censusReuseMs,
      maxWaiting: previewLimits.waitingOnCensus,
    }),
  };
}

/** The policies as the janitor runs them: their schedules, their slots in the ledger, their metric. */
function policyRoster(orm: MikroORM, list: Policy[], config: PolicyConfig, metrics: Metrics): PolicyRoster | null {
  if (list.length === 0) return null;
  for (const policy of list)
    for (const outcome of SLOT_OUTCOMES.filter((counted) => counted !== 'first' && counted !== 'claimed'))
      metrics.policyRuns.inc({ policy: policy.name, outcome }, 0);
  return {
    list,
    schedules: policySchedules(list),
    slots: new SqlPolicySlots(orm.em),
    catchUpMs: config.catchUpMs,
    counted: (policy, outcome) => metrics.policyRuns.inc({ policy, outcome }),
  };
}

/** Our own client: no hidden retries (the limiters retry), and a 429 throws instead of pausing every call. */
function slackClient(slackConfig: SlackConfig, log: Log, metrics: Metrics): WebClient {
  return metrics.slackClient(slackConfig.botToken, {
    slackApiUrl: slackConfig.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logger: boltLogger(log),
  });
}

/**
 * The runner, on a pool of its own (batches, heartbeat, Stop/Pause reads, janitor), so previews and
 * clicks filling the request pool can never starve a run, and with a lock on a connection of its own.
 */
function slackRunner(
  runOrm: MikroORM,
  databaseUrl: string,
  config: PurgeConfig,
  metrics: Metrics,
  deps: Pick<RunnerDeps, 'reporter' | 'runnerId' | 'clock' | 'log'>,
): RequestRunner {
  return new RequestRunner({
    ledger: meteredLedger(new MikroRequestLedger(runOrm.em), metrics),
    queue: meteredQueue(new SqlWebhookQueue(mikroSql(runOrm.em)), metrics),
    health: new PgHealthProbe(mikroSql(runOrm.em)),
    liveness: new PgRunLiveness(databaseUrl),
    archive: new SqlArchiveStore(mikroSql(runOrm.em)),
    settings: config.purge,
    run: config.run,
    ...deps,
  });
}

/** The table's counts per status from the newest census a preview or status took: never a count per scrape. */
function tableCounts(census: SharedCensus): { summary: StatusSummary; ageMs: number } | null {
  const latest = census.latest();
  return latest ? { summary: summarize(latest.census.statuses), ageMs: latest.ageMs } : null;
}

/** /readyz's checks: the database answers, the bot's migrations are applied, Slack took the token. */
function readinessRoutes(orm: MikroORM) {
  return healthRoutes([
    ['database', async () => void (await withDbErrors(() => orm.em.getConnection().execute('select 1')))],
    [
      'migrations',
      async () => {
        const pending = await pendingMigrations(orm);
        if (pending.length > 0) throw new Error(`${pending.length} pending: run npm run migrate`);
      },
    ],
    // auth.test passed before anything started; a rejected token stops the start instead.
    ['slack', () => Promise.resolve()],
  ]);
}

/** Fails the start with a clear line when Slack rejects the bot token, rather than on the first click. */
async function checkToken(client: WebClient): Promise<BotIdentity> {
  try {
    const auth = await client.auth.test();
    return { botId: auth.bot_id ?? '', botUserId: auth.user_id ?? '' };
  } catch (error) {
    const code = platformError(error);
    if (code)
      throw new ConfigError(
        `SLACK_BOT_TOKEN was rejected by Slack (${code}). Copy the Bot User OAuth Token from the app's OAuth & Permissions page.`,
      );
    throw new ConfigError(
      `cannot reach Slack at SLACK_API_URL to check the bot token: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
