import type { RequestLedger, RunReporter, RunResult, WebhookQueue } from './ports.js';
import { purge, type PurgeOutcome, type PurgeSettings } from './purge.js';

export interface RunnerLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RunnerDeps {
  ledger: RequestLedger;
  queue: WebhookQueue;
  settings: PurgeSettings;
  reporter: RunReporter;
  /** Names this process in the ledger (host and pid), so a run can be traced to its replica. */
  runnerId: string;
  clock: () => Date;
  log: RunnerLog;
}

/**
 * Runs approved requests. A run is detached from the Slack listener that approved it (the click
 * was acknowledged at once); everything it does ends up in the ledger and the reporter.
 */
export class RequestRunner {
  private readonly active = new Map<number, { stop: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: RunnerDeps) {}

  /** Starts an approved request in the background. Never rejects; failures are reported. */
  start(id: number): Promise<void> {
    const stop = new AbortController();
    const done = this.run(id, stop.signal)
      .catch((error: unknown) => this.deps.log.error({ requestId: id, err: error }, 'run crashed'))
      .finally(() => this.active.delete(id));
    this.active.set(id, { stop, done });
    return done;
  }

  /** Ids of the runs this process is executing now. */
  running(): number[] {
    return [...this.active.keys()];
  }

  /** Resolves when no run is executing in this process. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((run) => run.done));
  }

  /** Stops every run after its current batch and waits for them to record where they stopped. */
  async stopAll(): Promise<void> {
    const runs = [...this.active.values()];
    runs.forEach((run) => run.stop.abort());
    await Promise.all(runs.map((run) => run.done));
  }

  private async run(id: number, signal: AbortSignal): Promise<void> {
    const { ledger, reporter, clock, log } = this.deps;
    if (!(await ledger.start(id, this.deps.runnerId, clock()))) {
      log.info({ requestId: id }, 'run not started: the request is no longer approved');
      return;
    }
    const request = await ledger.get(id);
    if (!request) return;
    log.info({ requestId: id, method: request.plan.method, matching: request.plan.matching }, 'run started');
    reporter.started(request);

    const outcome = await purge(request.plan, this.deps.queue, this.deps.settings, {
      signal,
      onEvent: async (event) => {
        if (event.type === 'fallback') {
          log.info({ requestId: id, reason: event.reason }, 'falling back to batches');
          reporter.fallback(request, event.reason);
          return;
        }
        const position = { deleted: event.deleted, batches: event.batchesDone, lastId: event.lastId };
        await ledger.recordProgress(id, position, clock());
        log.info({ requestId: id, deleted: event.deleted, total: event.total, batch: event.batchesDone }, 'batch done');
        reporter.progress(request, event);
      },
    });

    const finished = await ledger.finish(id, runResult(outcome), clock());
    log.info({ requestId: id, state: finished.state, deleted: outcome.deleted, durationMs: outcome.durationMs }, 'run finished');
    reporter.finished(finished, outcome);
  }
}

function runResult(outcome: PurgeOutcome): RunResult {
  return {
    state: outcome.state === 'completed' ? 'succeeded' : outcome.state,
    position: { deleted: outcome.deleted, batches: outcome.batches, lastId: outcome.lastId },
    methodUsed: outcome.method,
    fallbackReason: outcome.fallback,
    error: outcome.error?.message ?? null,
  };
}
