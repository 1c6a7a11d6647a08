import type { MikroORM } from '@mikro-orm/postgresql';
import { ledgerExists } from '../db/ledger-exists.js';
import { SqlWebhookQueue } from '../db/webhook-queue.js';
import { initORM } from '../db/init-orm.js';
import { mikroSql } from '../db/mikro-sql.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { HISTORY_DEFAULT, type ClearArgs } from '../domain/plan/clear-args.js';
import { summarize, type Plan } from '../domain/plan/plan.js';
import {
  historyEntry,
  historyLine,
  overview,
  overviewLines,
  type Wording,
} from '../domain/wording/status-and-history.js';
import { formatTimestamp } from '../domain/wording/format.js';
import { createLog } from '../log.js';
import { EXIT, PROGRAM, type CommandDeps } from './cli-io.js';
import type { ProgressDisplay } from './progress-display.js';
import { restoreFromTerminal } from './terminal-restore.js';
import { runFromTerminal, type TerminalRun } from './terminal-run.js';

/**
 * The terminal's work that needs the bot's ledger, through MikroORM: `status`, `history`, `restore`
 * and a confirmed recorded purge. `run-command.ts` imports this module only for those, so a preview
 * or a dry run never loads MikroORM and knex.
 */

async function withOrm<T>(databaseUrl: string, work: (orm: MikroORM) => Promise<T>): Promise<T> {
  const orm = await initORM(databaseUrl);
  try {
    return await work(orm);
  } finally {
    await orm.close(true);
  }
}

/** `status`, `history` and `restore`. */
export async function ledgerCommand(args: ClearArgs, deps: CommandDeps): Promise<number> {
  const { database, config, io, env, say, signal } = deps;
  return withOrm(database.databaseUrl, async (orm) => {
    deps.connected();
    const sql = mikroSql(orm.em);
    const queue = new SqlWebhookQueue(sql, { censusTimeoutMs: config.censusTimeoutMs });
    if (!(await ledgerExists(sql))) {
      if (args.command === 'restore')
        io.stderr.write(
          `${PROGRAM}: the bot's ledger is not in this database, so there is no archive to restore from (run npm run migrate).\n`,
        );
      else
        say(`The bot's ledger is not in this database, so there is no ${args.command} to show (run npm run migrate).`);
      return EXIT.failure;
    }
    if (args.command === 'restore' && args.requestId !== null) {
      const log = createLog(env.LOG_LEVEL ?? 'silent', io.stderr);
      return restoreFromTerminal(args.requestId, args, {
        orm,
        databaseUrl: database.databaseUrl,
        queue,
        config,
        io,
        log,
        target: database.target,
        signal,
      });
    }
    const ledger = new MikroRequestLedger(orm.em);
    if (args.command === 'status') {
      const table = async () => ({ summary: summarize((await queue.census(null)).statuses), ageMs: 0 });
      say(...overviewLines(await overview(ledger, table, new Date(), config.run.staleAfterMs), TERMINAL_WORDING));
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

/** People by their ids (Slack ids, or terminal:user@host), UTC times, no links. */
const TERMINAL_WORDING: Wording = { who: (userId) => userId, link: () => '', date: formatTimestamp };

/** A confirmed plan, run as a recorded request (the ledger exists). */
export async function recordedRun(
  plan: Plan,
  useCursor: boolean,
  deps: Omit<CommandDeps, 'say' | 'connected'> & { display: ProgressDisplay },
): Promise<TerminalRun> {
  const { database, config, display, io, env, signal } = deps;
  const log = createLog(env.LOG_LEVEL ?? 'silent', io.stderr);
  return withOrm(database.databaseUrl, (orm) => {
    const queue = new SqlWebhookQueue(mikroSql(orm.em), { censusTimeoutMs: config.censusTimeoutMs });
    return runFromTerminal(plan, useCursor, {
      orm,
      databaseUrl: database.databaseUrl,
      queue,
      config,
      display,
      log,
      signal,
    });
  });
}
