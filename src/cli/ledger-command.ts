import type { MikroORM } from '@mikro-orm/postgresql';
import { ledgerExists } from '../db/ledger-exists.js';
import { SqlWebhookQueue } from '../db/webhook-queue.js';
import { initORM } from '../db/init-orm.js';
import { applyMigrations } from '../db/migrate.js';
import { mikroSql } from '../db/mikro-sql.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { HISTORY_DEFAULT, type ClearArgs } from '../domain/plan/clear-args.js';
import { summarize, type Plan } from '../domain/plan/plan.js';
import { historyEntry, historyLine, overview, overviewLines } from '../domain/wording/status-and-history.js';
import { TERMINAL_WORDING } from './terminal-wording.js';
import { createLog } from '../log.js';
import { loadAuditConfig, loadPolicyConfig } from '../config.js';
import { policyViews, type PolicyView } from '../domain/policy/policy.js';
import { SqlPolicySlots } from '../db/policy-slots.js';
import { policySchedules } from '../policies/cron-schedule.js';
import { loadPolicies } from '../policies/load-policies.js';
import type { TerminalAnnouncer } from '../../commands/clear-telemetry/terminal-announcer.js';
import { EXIT, PROGRAM, type CommandDeps } from './cli-io.js';
import { controlCommand } from './control-command.js';
import type { ProgressDisplay } from './progress-display.js';
import { restoreFromTerminal } from './terminal-restore.js';
import { runFromTerminal, type TerminalRun, type TerminalRunDeps } from './terminal-run.js';

/**
 * The terminal's work that needs the bot's ledger, through MikroORM: `status`, `history`, `restore`,
 * the control verbs, `migrate` and a confirmed recorded purge. `purge-command.ts` imports this module
 * only for those, so a preview or a dry run never loads MikroORM and knex.
 */

async function withOrm<T>(databaseUrl: string, work: (orm: MikroORM) => Promise<T>): Promise<T> {
  const orm = await initORM(databaseUrl);
  try {
    return await work(orm);
  } finally {
    await orm.close(true);
  }
}

/** `status`, `history`, `restore`, `migrate` and `stop|pause|continue|resume|cancel --request N`. */
export async function ledgerCommand(args: ClearArgs, deps: CommandDeps): Promise<number> {
  const { database, config, io, say } = deps;
  return withOrm(database.databaseUrl, async (orm) => {
    deps.connected();
    if (args.command === 'migrate') {
      const applied = await applyMigrations(orm, database.databaseUrl);
      say(
        applied.length > 0
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'The database is up to date.',
      );
      return EXIT.ok;
    }
    const sql = mikroSql(orm.em);
    const queue = new SqlWebhookQueue(sql, { censusTimeoutMs: config.censusTimeoutMs });
    if (!(await ledgerExists(sql))) {
      io.stderr.write(
        `${PROGRAM}: this database has no clear_telemetry tables, so there is no ${args.command === 'restore' ? 'archive to restore from' : `${args.command} to show`}. Apply them with ${PROGRAM} migrate.\n`,
      );
      return EXIT.failure;
    }
    const runDeps = {
      orm,
      databaseUrl: database.databaseUrl,
      queue,
      config,
      log: terminalLog(deps),
      announcer: await announcerFor(orm, deps),
    };
    if (args.command === 'restore' && args.requestId !== null) {
      return restoreFromTerminal(args.requestId, args, { ...deps, ...runDeps });
    }
    const ledger = new MikroRequestLedger(orm.em);
    if (args.requestId !== null) return controlCommand(args, ledger, { ...deps, ...runDeps });
    if (args.command === 'status') {
      const table = async () => ({ summary: summarize((await queue.census(null)).statuses), ageMs: 0 });
      const now = new Date();
      const policies = () => terminalPolicyViews(orm, deps, now);
      say(...overviewLines(await overview(ledger, table, now, config.run.staleAfterMs, policies), TERMINAL_WORDING));
      return EXIT.ok;
    }
    const requests = await ledger.list(args.limit ?? HISTORY_DEFAULT);
    if (args.json) say(...requests.map((request) => JSON.stringify(historyEntry(request))));
    else
      say(
        ...(requests.length > 0
          ? requests.map((request) => historyLine(historyEntry(request), request, TERMINAL_WORDING))
          : ['No requests yet.']),
      );
    return EXIT.ok;
  });
}

/**
 * The audit channel's announcer, when CLEAR_TELEMETRY_AUDIT_CHANNEL and SLACK_BOT_TOKEN are set:
 * Slack's client and the slice's renderers are loaded only then.
 */
async function announcerFor(
  orm: MikroORM,
  deps: Pick<CommandDeps, 'env' | 'io' | 'database'>,
): Promise<TerminalAnnouncer | null> {
  const audit = loadAuditConfig(deps.env);
  if (!audit) return null;
  const [{ WebClient }, { terminalAnnouncer }] = await Promise.all([
    import('@slack/web-api'),
    import('../../commands/clear-telemetry/index.js'),
  ]);
  const client = new WebClient(audit.botToken, {
    slackApiUrl: audit.apiUrl,
    retryConfig: { retries: 2 },
    timeout: 10_000,
  });
  const warn = (line: string) => void deps.io.stderr.write(`${line}\n`);
  return terminalAnnouncer(client, audit.channel, new MikroRequestLedger(orm.em), deps.database.target, warn);
}

/** The policies of CLEAR_TELEMETRY_POLICIES (when set) with their slots in this database. */
async function terminalPolicyViews(orm: MikroORM, deps: Pick<CommandDeps, 'env'>, now: Date): Promise<PolicyView[]> {
  const { file } = loadPolicyConfig(deps.env);
  if (!file) return [];
  const policies = await loadPolicies(file);
  return policyViews(
    policies,
    policySchedules(policies),
    new SqlPolicySlots(orm.em),
    new MikroRequestLedger(orm.em),
    now,
  );
}

/** LOG_LEVEL: the runner's log, on stderr (silent by default). */
export function terminalLog(deps: Pick<CommandDeps, 'env' | 'io'>) {
  return createLog(deps.env.LOG_LEVEL ?? 'silent', deps.io.stderr);
}

/** A confirmed plan, run as a recorded request (the ledger exists). */
export async function recordedRun(
  plan: Plan,
  asked: Pick<ClearArgs, 'useCursor' | 'reason'>,
  deps: Omit<CommandDeps, 'say' | 'connected'> & { display: ProgressDisplay },
): Promise<TerminalRun> {
  const { database, config, display, signal } = deps;
  return withOrm(database.databaseUrl, async (orm) => {
    const queue = new SqlWebhookQueue(mikroSql(orm.em), { censusTimeoutMs: config.censusTimeoutMs });
    const runDeps: TerminalRunDeps = {
      orm,
      databaseUrl: database.databaseUrl,
      queue,
      config,
      display,
      log: terminalLog(deps),
      signal,
      announcer: await announcerFor(orm, deps),
    };
    return runFromTerminal(plan, asked, runDeps);
  });
}
