import type { MikroORM } from '@mikro-orm/postgresql';
import type { PurgeConfig } from '../config.js';
import { PgHealthProbe } from '../db/health-probe.js';
import { SqlArchiveStore } from '../db/archive-store.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { PgRunLiveness } from '../db/run-liveness.js';
import type { Plan } from '../domain/plan/plan.js';
import type { WebhookQueue } from '../domain/ports.js';
import type { RequestLedger, RunReporter } from '../domain/run-ports.js';
import { runAccount, type PurgeRequestRecord } from '../domain/request/request.js';
import { RequestRunner } from '../domain/run/request-runner.js';
import { NOTE_LABEL } from '../domain/wording/sentences.js';
import type { Log } from '../log.js';
import { audit, planFields } from '../domain/audit.js';
import type { ProgressDisplay } from './progress-display.js';
import { requestStateSentence, type RunSummary } from './terminal-text.js';
import { mikroSql } from '../db/mikro-sql.js';
import { runnerIdentity } from '../runner-identity.js';
import { terminalUser } from './terminal-user.js';
import type { TerminalAnnouncer } from '../../commands/clear-telemetry/terminal-announcer.js';

export interface TerminalRunDeps {
  orm: MikroORM;
  /** For the run's liveness lock, on a connection of its own. */
  databaseUrl: string;
  queue: WebhookQueue;
  config: PurgeConfig;
  display: ProgressDisplay;
  log: Log;
  signal?: AbortSignal;
  /** Announces the run in the audit channel (CLEAR_TELEMETRY_AUDIT_CHANNEL), when one is set. */
  announcer?: TerminalAnnouncer | null;
}

/** How a terminal run went: refused as busy, refused for another reason (in words), or run. */
export type TerminalRun = { busy: PurgeRequestRecord | null } | { refused: string } | RunSummary;

/** What a terminal request records besides its plan. */
export interface TerminalRequest {
  useCursor: boolean;
  restoreOf?: number | null;
  reason?: string | null;
}

/**
 * Runs a confirmed plan from the terminal as a recorded request, through the same runner as Slack:
 * it takes the table's single runner slot (refusing while a Slack run is going), keeps a heartbeat,
 * and leaves an audit row naming the OS user. A request refused as busy never ran: its row goes.
 */
export async function runFromTerminal(plan: Plan, asked: TerminalRequest, deps: TerminalRunDeps): Promise<TerminalRun> {
  const ledger = new MikroRequestLedger(deps.orm.em);
  const who = terminalUser();
  const restoreOf = asked.restoreOf ?? null;
  const [request] = await Promise.all([
    ledger.create({
      source: 'terminal',
      kind: restoreOf === null ? 'purge' : 'restore',
      restoreOf,
      plan,
      force: true,
      useCursor: asked.useCursor,
      requesterId: who,
      teamId: null,
      channelId: null,
      expiresAt: null,
      reason: asked.reason ?? null,
    }),
    // A terminal run that was killed leaves its row running; without the Slack app's janitor, this is
    // where it gets declared interrupted (before this run claims the table, below).
    ledger.interruptStale(deps.config.run.staleAfterMs),
  ]);
  const fields = { requestId: request.id, kind: request.kind, source: 'terminal', reason: request.reason };
  audit(deps.log, 'requested', {
    ...fields,
    requester: who,
    restoreOf,
    ...planFields(plan),
  });
  await ledger.approve(request.id, who, true, new Date());
  audit(deps.log, 'approved', { ...fields, approver: who, selfApproved: true });
  const finished = await terminalRunner(ledger, deps).runNow(request.id, deps.signal);
  await deps.announcer?.settle();
  if (finished === 'busy') {
    await ledger.remove(request.id);
    return { busy: await ledger.running() };
  }
  // Approved a moment ago by this process: anything else means the ledger row was changed under us.
  if (typeof finished === 'string' || finished === null)
    throw new Error(`request #${request.id} was changed in the ledger by someone else before it could start`);
  return summaryOf(finished);
}

/**
 * `clear-telemetry resume --request N`: a stopped, interrupted or failed request, continued here from
 * its recorded position within the plan that was approved.
 */
export async function resumeFromTerminal(id: number, deps: TerminalRunDeps): Promise<TerminalRun> {
  const ledger = new MikroRequestLedger(deps.orm.em);
  const finished = await terminalRunner(ledger, deps).runNow(id, deps.signal, 'resume');
  await deps.announcer?.settle();
  if (finished === 'busy') return { busy: await ledger.running() };
  if (typeof finished === 'string' || finished === null) {
    const now = await ledger.get(id);
    return {
      refused: `request #${id} could not be resumed: ${now ? requestStateSentence(now) : 'it is gone'}.`,
    };
  }
  return summaryOf(finished);
}

function terminalRunner(ledger: RequestLedger, deps: TerminalRunDeps): RequestRunner {
  return new RequestRunner({
    ledger,
    queue: deps.queue,
    health: new PgHealthProbe(mikroSql(deps.orm.em)),
    liveness: new PgRunLiveness(deps.databaseUrl),
    archive: new SqlArchiveStore(mikroSql(deps.orm.em)),
    settings: deps.config.purge,
    run: deps.config.run,
    reporter: terminalReporter(deps),
    runnerId: terminalRunnerId(),
    clock: () => new Date(),
    log: deps.log,
    takesQueued: false,
  });
}

function terminalReporter(deps: TerminalRunDeps): RunReporter {
  return {
    queued: () => undefined,
    started: (request) => deps.announcer?.started(request),
    progress: (_request, progress) => deps.display.update(progress),
    note: (_request, runNote) =>
      runNote &&
      deps.display.note(
        `${NOTE_LABEL[runNote.kind]}: ${runNote.kind === 'paused' ? `paused from Slack by ${runNote.by}` : runNote.text}`,
      ),
    finished: (request) => deps.announcer?.finished(request),
    unresponsive: () => undefined,
    recovered: () => undefined,
  };
}

/** This process as a runner: the OS user and host, its pid, and a part unique to this start. */
function terminalRunnerId(): string {
  return runnerIdentity({ hostname: terminalUser(), pid: process.pid });
}

function summaryOf(request: PurgeRequestRecord): RunSummary {
  const { endState, deleted, batches, method, durationMs } = runAccount(request);
  const state = endState === 'succeeded' ? 'completed' : endState === 'failed' ? 'failed' : 'stopped';
  return {
    state,
    deleted,
    batches,
    method,
    durationMs,
    error: state === 'failed' ? request.error : null,
    requestId: request.id,
    stopNote: state === 'stopped' ? request.error : null,
    skipped: request.skipped,
  };
}
