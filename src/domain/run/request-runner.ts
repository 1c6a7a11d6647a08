import { setTimeout as sleep } from 'node:timers/promises';
import { audit } from '../audit.js';
import { LostOwnershipError } from '../../errors.js';
import { retryTransient } from './retry-transient.js';
import { HealthGate } from './health-gate.js';
import { startHeartbeat, sweepDeadRuns } from './heartbeat.js';
import type { ArchiveStore, HealthProbe, WebhookQueue } from '../ports.js';
import type { RequestLedger, RunLiveness, RunLog, RunReporter } from '../run-ports.js';
import { reportEvent, runResult, type EndReason } from './run-events.js';
import { purge } from './purge.js';
import { type RunEvent, type RunOptions, type RunOutcome, type BatchSettings } from './batch-loop.js';
import { restore } from '../undo/restore.js';
import type { PurgeRequestRecord } from '../request/request.js';
import { RunGate } from './run-gate.js';

/** How runs survive: heartbeats, the janitor that finds dead runs, shutdown. */
export interface RunSettings {
  /** A running request whose heartbeat is older than this is declared interrupted. */
  staleAfterMs: number;
  /** How often each process looks for stale runs, queued requests and undelivered Slack notices. */
  janitorEveryMs: number;
  /** Pause after a batch that took more than four times the target. */
  slowBatchCooldownMs: number;
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Hold while a streaming replica is further behind than either limit. */
  maxReplicaLagMs: number;
  maxReplicaLagBytes: number;
}

export interface RunnerDeps {
  ledger: RequestLedger;
  queue: WebhookQueue;
  health: HealthProbe;
  settings: BatchSettings;
  run: RunSettings;
  reporter: RunReporter;
  /** Names this process in the ledger (host and pid), so a run can be traced to its replica. */
  runnerId: string;
  clock: () => Date;
  log: RunLog;
  /** Whether this process picks up queued requests (the Slack app) or only runs its own (the terminal). */
  takesQueued?: boolean;
  /** Holds a run's liveness lock while it runs, so a starved run is never declared dead. */
  liveness?: RunLiveness;
  /** Where archived purges keep their rows: restore requests read it. */
  archive?: ArchiveStore;
}

/** Why a run was told to end early: a person's Stop, this process shutting down, or another runner taking over. */

interface ActiveRun {
  stop: AbortController;
  reason: EndReason | null;
  /** Why a stop came, in words, when it was not a person's Stop (the terminal's output was closed). */
  note?: string | null;
  done: Promise<void>;
  /** The ledger row as this run's end left it (not set when it was abandoned). */
  finished?: PurgeRequestRecord;
}

/**
 * Runs approved requests, one per table across every process (the ledger's unique index decides),
 * each detached from the click that approved it. Between batches a run reads its ledger row: a
 * Stop or Pause clicked on any replica reaches it there. It keeps a heartbeat while it lives; any
 * replica's janitor declares a silent run interrupted, and Resume continues from its position.
 */
export class RequestRunner {
  private readonly active = new Map<number, ActiveRun>();
  private accepting = true;

  constructor(private readonly deps: RunnerDeps) {}

  /** An approved request: runs it now, or leaves it queued behind the one running. Never rejects. */
  async start(id: number): Promise<void> {
    if (!this.accepting) return;
    try {
      const claim = await this.deps.ledger.start(id, this.deps.runnerId);
      if (claim === 'busy') {
        // Every sweep of every replica retries a queued request: say so once per thing it waits behind.
        const behind = await this.deps.ledger.running();
        if (!(await this.deps.ledger.markQueued(id, behind?.id ?? null))) return;
        const request = await this.deps.ledger.get(id);
        this.deps.log.info({ requestId: id, behind: behind?.id }, 'request queued');
        if (request) this.deps.reporter.queued(request, behind);
      } else if (claim === 'started') {
        this.launch(id, false);
      }
    } catch (error) {
      this.deps.log.error({ requestId: id, err: error }, 'could not start the run');
    }
  }

  /**
   * Runs an approved request here and now, or resumes a stopped, interrupted or failed one, waiting
   * for it to end (the terminal command). `busy` when another request is running on the table.
   * Aborting `signal` stops it after its batch; a string `signal.reason` is recorded as why.
   */
  async runNow(
    id: number,
    signal?: AbortSignal,
    mode: 'start' | 'resume' = 'start',
  ): Promise<'busy' | 'not-approved' | 'not-resumable' | PurgeRequestRecord | null> {
    const claim =
      mode === 'resume'
        ? await this.deps.ledger.resume(id, this.deps.runnerId)
        : await this.deps.ledger.start(id, this.deps.runnerId);
    if (claim !== 'started') return claim;
    const run = this.launch(id, mode === 'resume');
    const stop = () => {
      run.note ??= typeof signal?.reason === 'string' ? signal.reason : null;
      this.end(run, 'stop');
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    await run.done;
    signal?.removeEventListener('abort', stop);
    return run.finished ?? this.deps.ledger.get(id);
  }

  /** Continues a stopped, interrupted or failed run from its recorded position, with the same watermark. */
  async resume(id: number): Promise<'started' | 'busy' | 'not-resumable'> {
    if (!this.accepting) return 'busy';
    const claim = await this.deps.ledger.resume(id, this.deps.runnerId);
    if (claim === 'started') this.launch(id, true);
    return claim;
  }

  /**
   * The janitor, run by every process every few seconds: shows runs whose process stopped as not
   * responding, declares them interrupted once their heartbeat has been silent past the limit, then
   * starts the oldest queued request if the table is free.
   */
  async sweep(): Promise<void> {
    const { ledger, log, reporter } = this.deps;
    await sweepDeadRuns({
      ledger,
      log,
      staleAfterMs: this.deps.run.staleAfterMs,
      onUnresponsive: (request) => reporter.unresponsive(request),
      onInterrupted: (request) => reporter.finished(request),
    });
    await this.startNextQueued();
  }

  /** Resolves when no run is executing in this process. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((run) => run.done));
  }

  /**
   * Graceful shutdown: take no new work, stop every run after its current batch and record it as
   * interrupted (resumable). Waits at most `timeoutMs`; a run still busy after that is left to the
   * other replicas' janitors.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.accepting = false;
    for (const run of this.active.values()) {
      run.reason ??= 'shutdown';
      run.stop.abort();
    }
    await Promise.race([this.idle(), sleep(timeoutMs, undefined, { ref: false })]);
  }

  private async startNextQueued(): Promise<void> {
    if (!this.accepting || this.deps.takesQueued === false) return;
    const next = await this.deps.ledger.nextQueued();
    if (next) await this.start(next.id);
  }

  private launch(id: number, resumed: boolean): ActiveRun {
    const run: ActiveRun = { stop: new AbortController(), reason: null, done: Promise.resolve() };
    run.done = this.execute(id, resumed, run)
      .catch((error: unknown) => this.deps.log.error({ requestId: id, err: error }, 'run crashed'))
      .finally(() => {
        this.active.delete(id);
        this.startNextQueued().catch((error: unknown) =>
          this.deps.log.error({ err: error }, 'could not start the next queued request'),
        );
      });
    this.active.set(id, run);
    return run;
  }

  private async execute(id: number, resumed: boolean, run: ActiveRun): Promise<void> {
    // The lock's own connection opens while the request is read: the claim already made it ours.
    const [request, release] = await Promise.all([this.deps.ledger.get(id), this.holdLiveness(id)]);
    try {
      if (request) await this.executeHeld(request, resumed, run);
    } finally {
      await release?.();
    }
  }

  /** Without the lock the run still goes: the heartbeat alone then speaks for it, as before. */
  private async holdLiveness(id: number): Promise<(() => Promise<void>) | undefined> {
    return this.deps.liveness?.hold(id).catch((error: unknown) => {
      this.deps.log.warn({ requestId: id, err: error }, "could not take the run's liveness lock");
      return undefined;
    });
  }

  private async executeHeld(request: PurgeRequestRecord, resumed: boolean, run: ActiveRun): Promise<void> {
    const { ledger, reporter, log, runnerId } = this.deps;
    const { id } = request;
    audit(log, 'started', {
      requestId: id,
      kind: request.kind,
      runner: runnerId,
      method: request.plan.method,
      matching: request.plan.matching,
      resumed,
      from: request.position.lastId,
    });
    reporter.started(request);

    const stopHeartbeat = startHeartbeat({ ledger, log, runnerId, staleAfterMs: this.deps.run.staleAfterMs }, id, {
      lost: () => this.end(run, 'lost'),
      recovered: () => {
        log.info({ requestId: id }, 'run responding again');
        reporter.recovered(request);
      },
    });
    const { slowBatchCooldownMs, maxReplicaLagMs, maxReplicaLagBytes } = this.deps.run;
    const health = new HealthGate(this.deps.health, {
      targetBatchMs: this.deps.settings.targetBatchMs,
      slowBatchCooldownMs,
      maxReplicaLagMs,
      maxReplicaLagBytes,
    });
    const gate = new RunGate(request, { ledger, reporter, log, runnerId, health }, run.stop.signal, (reason) =>
      this.end(run, reason),
    );
    let outcome: RunOutcome;
    try {
      const options = {
        signal: run.stop.signal,
        checkpoint: { requestId: id, runnerId, archive: request.plan.undo.kind === 'archive' },
        resumeFrom: resumed ? request.position : undefined,
        gate: () => gate.pass(),
        onEvent: (event: RunEvent) => reportEvent(this.deps, request, event, health),
      };
      outcome =
        request.kind === 'restore'
          ? await this.restoreRun(request, options)
          : await purge(request.plan, this.deps.queue, this.deps.settings, options);
    } finally {
      stopHeartbeat();
    }

    if (run.reason === 'lost' || outcome.error instanceof LostOwnershipError) {
      log.warn({ requestId: id }, 'run abandoned: another runner owns the request now');
      return;
    }
    const finished = await retryTransient(() =>
      ledger.finish(id, runnerId, runResult(outcome, run.reason, run.note ?? null), this.deps.clock()),
    );
    audit(log, request.kind === 'restore' ? 'restored' : 'finished', {
      requestId: id,
      kind: request.kind,
      ...(request.restoreOf !== null ? { restoreOf: request.restoreOf } : {}),
      state: finished?.state,
      [request.kind === 'restore' ? 'restored' : 'deleted']: outcome.deleted,
      durationMs: outcome.durationMs,
      err: outcome.error ?? undefined,
    });
    if (!finished) return;
    run.finished = finished;
    reporter.finished(finished);
  }

  /** A restore request: the archived purge's rows back, through the same gate, heartbeat and ledger. */
  private async restoreRun(request: PurgeRequestRecord, options: RunOptions): Promise<RunOutcome> {
    const { archive } = this.deps;
    if (!archive || request.restoreOf === null)
      throw new Error(`request #${request.id} is a restore, and this process has no archive to restore from`);
    return restore(request.plan, request.restoreOf, archive, this.deps.settings, options);
  }

  private end(run: ActiveRun, reason: EndReason): void {
    run.reason ??= reason;
    run.stop.abort();
  }
}
