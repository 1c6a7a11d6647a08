import { userInfo, hostname } from 'node:os';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { PurgeConfig } from '../config.js';
import { PgHealthProbe } from '../db/health-probe.js';
import { SqlArchiveStore } from '../db/archive-store.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { PgRunLiveness } from '../db/run-liveness.js';
import type { Plan } from '../domain/plan/plan.js';
import type { WebhookQueue } from '../domain/ports.js';
import type { RunReporter } from '../domain/run-ports.js';
import { runAccount, type PurgeRequestRecord } from '../domain/request/request.js';
import { RequestRunner } from '../domain/run/request-runner.js';
import { NOTE_LABEL } from '../domain/wording/sentences.js';
import type { Log } from '../log.js';
import type { ProgressDisplay } from './progress-display.js';
import type { RunSummary } from './terminal-text.js';
import { mikroSql } from '../db/mikro-sql.js';

export interface TerminalRunDeps {
  orm: MikroORM;
  /** For the run's liveness lock, on a connection of its own. */
  databaseUrl: string;
  queue: WebhookQueue;
  config: PurgeConfig;
  display: ProgressDisplay;
  log: Log;
  signal?: AbortSignal;
}

export type TerminalRun = { busy: PurgeRequestRecord | null } | RunSummary;

/**
 * Runs a confirmed plan from the terminal as a recorded request, through the same runner as Slack:
 * it takes the table's single runner slot (refusing while a Slack run is going), keeps a heartbeat,
 * and leaves an audit row naming the OS user.
 */
export async function runFromTerminal(
  plan: Plan,
  useCursor: boolean,
  deps: TerminalRunDeps,
  restoreOf: number | null = null,
): Promise<TerminalRun> {
  const ledger = new MikroRequestLedger(deps.orm.em);
  const who = `terminal:${userInfo().username}@${hostname()}`;
  const kind = restoreOf === null ? 'purge' : 'restore';
  const [request] = await Promise.all([
    ledger.create({
      source: 'terminal',
      kind,
      restoreOf,
      plan,
      force: true,
      useCursor,
      requesterId: who,
      teamId: null,
      channelId: null,
      expiresAt: null,
    }),
    // A terminal run that was killed leaves its row running; without the Slack app's janitor, this is
    // where it gets declared interrupted (before this run claims the table, below).
    ledger.interruptStale(deps.config.run.staleAfterMs),
  ]);
  await ledger.approve(request.id, who, true, new Date());
  const runner = new RequestRunner({
    ledger,
    queue: deps.queue,
    health: new PgHealthProbe(mikroSql(deps.orm.em)),
    liveness: new PgRunLiveness(deps.databaseUrl),
    archive: new SqlArchiveStore(mikroSql(deps.orm.em)),
    settings: deps.config.purge,
    run: deps.config.run,
    reporter: terminalReporter(deps),
    runnerId: `${who}:${process.pid}`,
    clock: () => new Date(),
    log: deps.log,
    takesQueued: false,
  });
  const finished = await runner.runNow(request.id, deps.signal);
  if (finished === 'busy') {
    await ledger.cancel(request.id, who, new Date());
    return { busy: await ledger.running() };
  }
  // Approved a moment ago by this process: anything else means the ledger row was changed under us.
  if (finished === 'not-approved' || finished === null)
    throw new Error(`request #${request.id} was changed in the ledger by someone else before it could start`);
  return { ...summaryOf(finished), skipped: finished.skipped };
}

function terminalReporter(deps: TerminalRunDeps): RunReporter {
  return {
    queued: () => undefined,
    started: () => undefined,
    progress: (_request, progress) => deps.display.update(progress),
    note: (_request, runNote) =>
      runNote &&
      deps.display.note(
        `${NOTE_LABEL[runNote.kind]}: ${runNote.kind === 'paused' ? `paused from Slack by ${runNote.by}` : runNote.text}`,
      ),
    finished: () => undefined,
  };
}

function summaryOf(request: PurgeRequestRecord): RunSummary {
  const { endState, deleted, batches, method, durationMs } = runAccount(request);
  return {
    state: endState === 'succeeded' ? 'completed' : endState === 'failed' ? 'failed' : 'stopped',
    deleted,
    batches,
    method,
    durationMs,
    error: request.error,
  };
}
