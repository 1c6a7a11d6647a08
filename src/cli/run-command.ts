import type { MikroORM } from '@mikro-orm/postgresql';
import { loadDatabaseConfig, loadPurgeConfig, type DatabaseConfig, type Env, type PurgeConfig } from '../config.js';
import { loadAll } from '../env-values.js';
import { ledgerExists } from '../db/ledger-exists.js';
import { MikroWebhookQueue } from '../db/webhook-queue.js';
import { initORM } from '../db/init-orm.js';
import { describeError } from '../describe-error.js';
import { HISTORY_DEFAULT, type ClearArgs } from '../domain/clear-args.js';
import { planPurge, summarize } from '../domain/plan.js';
import { historyEntry, historyLine, overview, overviewLines, type Wording } from '../domain/overview.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { formatTimestamp } from '../domain/format.js';
import { createLog } from '../log.js';
import { confirm } from './confirm.js';
import { runFromTerminal } from './terminal-run.js';
import { restoreFromTerminal } from './terminal-restore.js';
import { createProgressDisplay } from './progress-display.js';
import { EXIT, PROGRAM, type CliIo } from './cli-io.js';
import * as text from './terminal-text.js';

/**
 * Everything past the arguments: the database, the ledger and the engine. `run-cli.ts` imports it
 * only once the arguments are valid, so `--help`, `--version` and usage errors load none of it.
 */
export async function runCommand(args: ClearArgs, io: CliIo, env: Env, signal?: AbortSignal): Promise<number> {
  try {
    const [database, config] = loadAll(
      () => loadDatabaseConfig(env),
      () => loadPurgeConfig(env),
    );
    const orm = await initORM(database.databaseUrl);
    try {
      return await clearTelemetry(args, orm, database, config, io, env, signal);
    } finally {
      await orm.close(true);
    }
  } catch (error) {
    io.stderr.write(`${PROGRAM}: ${describeError(error)}\n`);
    return EXIT.failure;
  }
}

/** `status` and `history`: read the ledger (and, for status, count the table); change nothing. */
async function lookBack(args: ClearArgs, orm: MikroORM, queue: MikroWebhookQueue, config: PurgeConfig, say: (...lines: string[]) => void): Promise<number> {
  if (!(await ledgerExists(orm))) {
    say(`The bot's ledger is not in this database, so there is no ${args.command} to show (run npm run migrate).`);
    return EXIT.failure;
  }
  const ledger = new MikroRequestLedger(orm.em);
  if (args.command === 'status') {
    const table = async () => ({ summary: summarize((await queue.census(null)).statuses), ageMs: 0 });
    say(...overviewLines(await overview(ledger, table, new Date(), config.run.staleAfterMs), TERMINAL_WORDING));
    return EXIT.ok;
  }
  const requests = await ledger.list(args.limit ?? HISTORY_DEFAULT);
  if (args.json) say(...requests.map((request) => JSON.stringify(historyEntry(request))));
  else say(...(requests.length > 0 ? requests.map((request) => historyLine(historyEntry(request), request, TERMINAL_WORDING)) : ['No requests yet.']));
  return EXIT.ok;
}

/** People by their ids (Slack ids, or terminal:user@host), UTC times, no links. */
const TERMINAL_WORDING: Wording = { who: (userId) => userId, link: () => '', date: formatTimestamp };

async function clearTelemetry(args: ClearArgs, orm: MikroORM, database: DatabaseConfig, config: PurgeConfig, io: CliIo, env: Env, signal?: AbortSignal): Promise<number> {
  const { databaseUrl, target } = database;
  const say = (...lines: string[]) => lines.forEach((line) => io.stdout.write(`${line}\n`));
  const warn = (line: string) => void io.stderr.write(`${line}\n`);
  // Scripts reading --json get only JSON lines on stdout from history.
  if (args.json && args.command === 'history') warn(text.targetLine(target));
  else say(text.targetLine(target));
  const queue = new MikroWebhookQueue(orm.em, { censusTimeoutMs: config.censusTimeoutMs });
  if (args.command === 'restore' && args.requestId !== null) {
    if (!(await ledgerExists(orm))) {
      warn("clear-telemetry: the bot's ledger is not in this database, so there is no archive to restore from (run npm run migrate).");
      return EXIT.failure;
    }
    const log = createLog(env.LOG_LEVEL ?? 'silent', io.stderr);
    return restoreFromTerminal(args.requestId, args, { orm, databaseUrl, queue, config, io, log, target, signal });
  }
  if (args.command !== 'purge') return lookBack(args, orm, queue, config, say);
  const plan = await planPurge((cutoff) => queue.census(cutoff), queue, args, config.plan, new Date());
  if (plan.matching === 0) {
    say(text.nothingFoundLine(plan.status));
    if (args.showSummary) say(...text.summaryLines(plan.summary));
    return EXIT.ok;
  }
  say(text.foundLine(plan), ...text.planLines(plan));
  if (args.showSummary) say(...text.summaryLines(plan.summary));
  if (args.dryRun) {
    say(text.DRY_RUN_LINE);
    return EXIT.ok;
  }
  // Said before the question, so nobody answers yes to a run they believe is recorded.
  const recorded = await ledgerExists(orm);
  if (!recorded && plan.undo.kind === 'archive') {
    warn(text.ARCHIVE_NEEDS_LEDGER);
    return EXIT.usage;
  }
  if (!recorded) warn(text.UNRECORDED_WARNING);
  if (!args.force) {
    if (!io.stdin.isTTY) {
      io.stderr.write(`${text.NOT_A_TERMINAL}\n`);
      return EXIT.usage;
    }
    const answer = await confirm(text.confirmQuestion(plan, target), io.stdin, io.stdout, signal);
    if (answer !== 'yes') {
      say(text.CANCELLED_LINE);
      return answer === 'interrupted' ? EXIT.interrupted : EXIT.ok;
    }
  }
  const display = createProgressDisplay(io.stdout);
  const log = createLog(env.LOG_LEVEL ?? 'silent', io.stderr);
  const stopping = () => display.note(text.STOPPING_LINE);
  signal?.addEventListener('abort', stopping, { once: true });
  const outcome = await runFromTerminal(plan, args.useCursor, { orm, databaseUrl, queue, config, display, recorded, log, signal });
  signal?.removeEventListener('abort', stopping);
  await display.finish();
  if ('busy' in outcome) {
    warn(text.busyLine(outcome.busy));
    return EXIT.busy;
  }
  const line = text.outcomeLine(outcome, plan);
  if (outcome.state === 'completed') say(line);
  else io.stderr.write(`${line}\n`);
  // For cron and scripts: the same result as one JSON object, last on stdout.
  if (args.json) {
    say(JSON.stringify({ state: outcome.state, status: plan.status, previewed: plan.matching, deleted: outcome.deleted, batches: outcome.batches, method: outcome.method, durationMs: Math.round(outcome.durationMs), error: outcome.error }));
  }
  return { completed: EXIT.ok, stopped: EXIT.interrupted, failed: EXIT.failure }[outcome.state];
}
