import { loadDatabaseConfig, loadPurgeConfig, type Env, type PurgeConfig } from '../config.js';
import { loadAll } from '../env-values.js';
import { connectChecked } from '../db/check-server.js';
import { ledgerExists } from '../db/ledger-exists.js';
import { clientSql } from '../db/sql.js';
import { SqlWebhookQueue } from '../db/webhook-queue.js';
import { describeError } from '../describe-error.js';
import type { ClearArgs } from '../domain/plan/clear-args.js';
import { planPurge, type Plan } from '../domain/plan/plan.js';
import { purge } from '../domain/run/purge.js';
import { confirm } from './confirm.js';
import { createProgressDisplay, type ProgressDisplay } from './progress-display.js';
import { EXIT, PROGRAM, type CliIo, type CommandDeps } from './cli-io.js';
import type { TerminalRun } from './terminal-run.js';
import * as text from './terminal-text.js';

/**
 * Everything past the arguments. `run-cli.ts` imports it only once the arguments are valid, so
 * `--help`, `--version` and usage errors load none of it. A purge is previewed (and a dry run, or an
 * unrecorded run, done) on one plain `pg` connection; MikroORM and knex, about half a second of
 * start-up, are loaded only for the ledger: `status`, `history`, `restore` and a recorded run.
 */
export async function runCommand(args: ClearArgs, io: CliIo, env: Env, signal?: AbortSignal): Promise<number> {
  try {
    const [database, config] = loadAll(
      () => loadDatabaseConfig(env),
      () => loadPurgeConfig(env),
    );
    const say = (...lines: string[]) => lines.forEach((line) => io.stdout.write(`${line}\n`));
    // Said once connected: a database that cannot be reached is said with its name on stderr alone.
    // Scripts reading --json get only JSON lines on stdout from history.
    const connected = () =>
      args.json && args.command === 'history'
        ? io.stderr.write(`${text.targetLine(database.target)}\n`)
        : say(text.targetLine(database.target));
    const deps = { database, config, io, env, say, connected, signal };
    if (args.command === 'purge') return await purgeCommand(args, deps);
    const { ledgerCommand } = await import('./ledger-command.js');
    return await ledgerCommand(args, deps);
  } catch (error) {
    io.stderr.write(`${PROGRAM}: ${describeError(error)}\n`);
    return EXIT.failure;
  }
}

/** The Django command's flow: count, show the plan, ask, delete, report. */
async function purgeCommand(args: ClearArgs, deps: CommandDeps): Promise<number> {
  const { database, config, io, say, signal } = deps;
  const warn = (line: string) => void io.stderr.write(`${line}\n`);
  const client = await connectChecked(database.databaseUrl);
  deps.connected();
  let plan: Plan;
  let recorded: boolean;
  try {
    const sql = clientSql(client);
    const queue = new SqlWebhookQueue(sql, { censusTimeoutMs: config.censusTimeoutMs });
    plan = await planPurge((cutoff) => counting(queue.census(cutoff), args), queue, args, config.plan, new Date());
    // Said before the question, so nobody answers yes to a run they believe is recorded.
    recorded = plan.matching > 0 && !args.dryRun && (await ledgerExists(sql));
  } finally {
    // No connection is held open while a person reads the plan.
    await client.end().catch(() => undefined);
  }
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
  if (!recorded && plan.undo.kind === 'archive') {
    warn(text.ARCHIVE_NEEDS_LEDGER);
    return EXIT.usage;
  }
  if (!recorded) warn(text.UNRECORDED_WARNING);
  if (!args.force) {
    if (!io.stdin.isTTY) {
      warn(text.NOT_A_TERMINAL);
      return EXIT.usage;
    }
    const answer = await confirm(text.confirmQuestion(plan, database.target), io.stdin, io.stdout, signal);
    if (answer !== 'yes') {
      say(text.CANCELLED_LINE);
      return answer === 'interrupted' ? EXIT.interrupted : EXIT.ok;
    }
  }
  if (!recorded)
    return report(args, plan, deps, (display) => unrecorded(plan, database.databaseUrl, config, display, signal));
  const { recordedRun } = await import('./ledger-command.js');
  return report(args, plan, deps, (display) => recordedRun(plan, args.useCursor, { ...deps, display }));
}

/**
 * A purge that may delete needs the ledger's code, MikroORM and knex (half a second to load): it
 * starts loading once the census is on its way, so Node compiles while PostgreSQL counts. A dry run
 * never loads it.
 */
function counting<T>(census: Promise<T>, args: ClearArgs): Promise<T> {
  if (!args.dryRun) void import('./ledger-command.js').catch(() => undefined);
  return census;
}

/** Runs the confirmed plan under a progress bar, then says how it ended (and, with --json, as one JSON object). */
async function report(
  args: ClearArgs,
  plan: Plan,
  deps: CommandDeps,
  run: (display: ProgressDisplay) => Promise<TerminalRun>,
): Promise<number> {
  const { io, say, signal } = deps;
  const display = createProgressDisplay(io.stdout);
  const stopping = () => display.note(text.STOPPING_LINE);
  signal?.addEventListener('abort', stopping, { once: true });
  const outcome = await run(display);
  signal?.removeEventListener('abort', stopping);
  await display.finish();
  if ('busy' in outcome) {
    io.stderr.write(`${text.busyLine(outcome.busy, deps.config.run.staleAfterMs)}\n`);
    return EXIT.busy;
  }
  const line = text.outcomeLine(outcome, plan);
  if (outcome.state === 'completed') say(line);
  else io.stderr.write(`${line}\n`);
  // For cron and scripts: the same result as one JSON object, last on stdout.
  if (args.json) {
    say(
      JSON.stringify({
        state: outcome.state,
        status: plan.status,
        previewed: plan.matching,
        deleted: outcome.deleted,
        batches: outcome.batches,
        method: outcome.method,
        durationMs: Math.round(outcome.durationMs),
        error: outcome.error,
      }),
    );
  }
  return { completed: EXIT.ok, stopped: EXIT.interrupted, failed: EXIT.failure }[outcome.state];
}

/** Without the bot's tables (never migrated) the run is not recorded, and said so before the question. */
async function unrecorded(
  plan: Plan,
  databaseUrl: string,
  config: PurgeConfig,
  display: ProgressDisplay,
  signal?: AbortSignal,
): Promise<text.RunSummary> {
  const client = await connectChecked(databaseUrl);
  try {
    const queue = new SqlWebhookQueue(clientSql(client), { censusTimeoutMs: config.censusTimeoutMs });
    const outcome = await purge(plan, queue, config.purge, {
      signal,
      onEvent: (event) => (event.type === 'progress' ? display.update(event) : display.note(`Note: ${event.reason}`)),
    });
    return { ...outcome, error: outcome.error?.message ?? null };
  } finally {
    await client.end().catch(() => undefined);
  }
}
