import { loadDatabaseConfig, loadPurgeConfig, type Env, type PurgeConfig } from '../config.js';
import { loadAll } from '../env-values.js';
import { connectChecked } from '../db/check-server.js';
import { ledgerExists } from '../db/ledger-exists.js';
import { clientSql } from '../db/sql.js';
import { SqlWebhookQueue } from '../db/webhook-queue.js';
import { describeError } from '../describe-error.js';
import { UsageError } from '../errors.js';
import { TERMINAL_DEFAULT_STATUS, type ClearArgs, type PurgeArgs } from '../domain/plan/clear-args.js';
import { planPurge, type Plan } from '../domain/plan/plan.js';
import { purge } from '../domain/run/purge.js';
import { checkReason } from '../domain/request/reason.js';
import type { ProgressDisplay } from './progress-display.js';
import { EXIT, PROGRAM, type CliIo, type CommandDeps } from './cli-io.js';
import { ask, report } from './run-report.js';
import * as text from './terminal-text.js';

/**
 * Everything past the arguments. `run-cli.ts` imports it only once the arguments are valid, so
 * `--help`, `--version` and usage errors load none of it. A purge is previewed (and a dry run, or an
 * unrecorded run, done) on one plain `pg` connection; MikroORM and knex, about half a second of
 * start-up, are loaded only for the ledger: `status`, `history`, `restore`, the control verbs,
 * `migrate` and a recorded run.
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
    // Refused before anything is counted: a run that must say why says it first.
    if ((args.command === 'purge' || args.command === 'restore') && !args.dryRun) {
      checkReason(args.reason, config.requireReason);
    }
    if (args.command === 'purge') {
      return await purgeCommand({ ...args, status: args.status ?? TERMINAL_DEFAULT_STATUS }, deps);
    }
    const { ledgerCommand } = await import('./ledger-command.js');
    return await ledgerCommand(args, deps);
  } catch (error) {
    io.stderr.write(`${PROGRAM}: ${describeError(error)}\n`);
    // A plan refused for its flags (under this configuration) touched nothing: a usage error.
    return error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}

/** The Django command's flow: count, show the plan, ask, delete, report. */
async function purgeCommand(args: PurgeArgs, deps: CommandDeps): Promise<number> {
  const { database, config, io, say, signal } = deps;
  const warn = (line: string) => void io.stderr.write(`${line}\n`);
  const client = await connectChecked(database.databaseUrl);
  deps.connected();
  let plan: Plan;
  let recorded: boolean;
  try {
    const sql = clientSql(client);
    const queue = new SqlWebhookQueue(sql, { censusTimeoutMs: config.censusTimeoutMs });
    [plan, recorded] = await Promise.all([
      planPurge((cutoff) => counting(queue.census(cutoff), args), queue, args, config.plan, new Date()),
      ledgerExists(sql),
    ]);
  } finally {
    // No connection is held open while a person reads the plan.
    await client.end().catch(() => undefined);
  }
  // Without the ledger nothing can be archived: the preview must not promise an undo.
  const archiveAsked = plan.undo.kind === 'archive';
  if (!recorded) plan = { ...plan, undo: { kind: 'none', forbidden: false, noLedger: true } };
  if (plan.matching === 0) {
    say(text.nothingLine(plan));
    if (args.showSummary) say(...text.summaryLines(plan.summary));
    return EXIT.ok;
  }
  say(text.foundLine(plan), ...text.planLines(plan, args.reason));
  if (args.showSummary) say(...text.summaryLines(plan.summary));
  if (args.dryRun) {
    say(text.DRY_RUN_LINE);
    return EXIT.ok;
  }
  if (!recorded) {
    if (archiveAsked) return refuse(warn, text.ARCHIVE_NEEDS_LEDGER);
    if (!args.unrecorded) return refuse(warn, text.NO_LEDGER);
    warn(text.UNRECORDED_WARNING);
  }
  if (!args.force) {
    const answer = await ask(text.confirmQuestion(plan, database.target), deps);
    if (answer !== EXIT.ok) return answer;
  }
  if (!recorded)
    return report(args, plan, deps, (display) => unrecorded(plan, database.databaseUrl, config, display, signal));
  const { recordedRun } = await import('./ledger-command.js');
  return report(args, plan, deps, (display) => recordedRun(plan, args, { ...deps, display }));
}

function refuse(warn: (line: string) => void, line: string): number {
  warn(line);
  return EXIT.usage;
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

/** With --unrecorded on a database without the bot's tables: no record, no lock, said so before the question. */
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
    return { ...outcome, error: outcome.error?.message ?? null, requestId: null, stopNote: null };
  } finally {
    await client.end().catch(() => undefined);
  }
}
