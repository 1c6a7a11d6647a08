import type { PurgeRequestRecord } from '../request/request.js';
import type { RequestLedger, RunLog } from '../run-ports.js';

/** How often a running request's heartbeat is refreshed, at most: one small UPDATE a second. */
const HEARTBEAT_EVERY_MS = 1_000;
/**
 * A run whose liveness lock is free and whose heartbeat has been silent this long is shown as not
 * responding: five missed heartbeats, so a connection blip (the pool and the lock reconnect within a
 * second or two) does not show it.
 */
const NOT_RESPONDING_AFTER_MS = 5_000;

/** How often the heartbeat is refreshed under a staleness limit: at least three times within it. */
export function heartbeatEveryMs(staleAfterMs: number): number {
  return Math.max(250, Math.min(HEARTBEAT_EVERY_MS, staleAfterMs / 3));
}

/** How long a silent run with a free liveness lock waits before it is shown as not responding. */
export function notRespondingAfterMs(staleAfterMs: number): number {
  return Math.min(NOT_RESPONDING_AFTER_MS, staleAfterMs / 2);
}

/**
 * A running request's heartbeat. When the ledger no longer names this runner, `onLost` is called,
 * and the run stops; when the run had been marked not responding, `onRecovered`. Returns the
 * function that stops the heartbeat.
 */
export function startHeartbeat(
  deps: { ledger: RequestLedger; log: RunLog; runnerId: string; staleAfterMs: number },
  requestId: number,
  on: { lost: () => void; recovered: () => void },
): () => void {
  const timer = setInterval(() => {
    deps.ledger.heartbeat(requestId, deps.runnerId).then(
      (answer) => (answer === 'lost' ? on.lost() : answer === 'recovered' ? on.recovered() : undefined),
      (error: unknown) => deps.log.warn({ requestId, err: error }, 'heartbeat failed'),
    );
  }, heartbeatEveryMs(deps.staleAfterMs));
  return () => clearInterval(timer);
}

/**
 * The janitor's half of liveness, run by every process. A run whose process is gone (its liveness
 * lock free, which PostgreSQL frees the moment the process dies) is shown as not responding within
 * seconds, and declared interrupted once its heartbeat has been silent past the staleness limit.
 */
export async function sweepDeadRuns(deps: {
  ledger: RequestLedger;
  log: RunLog;
  staleAfterMs: number;
  onUnresponsive: (request: PurgeRequestRecord) => void;
  onInterrupted: (request: PurgeRequestRecord) => void;
}): Promise<void> {
  for (const request of await deps.ledger.markUnresponsive(notRespondingAfterMs(deps.staleAfterMs))) {
    deps.log.warn({ requestId: request.id, runner: request.runnerId }, 'run not responding');
    deps.onUnresponsive(request);
  }
  for (const request of await deps.ledger.interruptStale(deps.staleAfterMs)) {
    deps.log.warn({ requestId: request.id, runner: request.runnerId }, 'run interrupted: its process stopped');
    deps.onInterrupted(request);
  }
}
