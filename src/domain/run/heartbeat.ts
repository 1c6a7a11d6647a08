import type { PurgeRequestRecord } from '../request/request.js';
import type { RequestLedger, RunLog } from '../run-ports.js';

/**
 * A running request's heartbeat: refreshed every third of the staleness limit (at least every
 * 250 ms). When the ledger no longer names this runner, `onLost` is called, and the run stops.
 * Returns the function that stops the heartbeat.
 */
export function startHeartbeat(
  deps: { ledger: RequestLedger; log: RunLog; runnerId: string; staleAfterMs: number },
  requestId: number,
  onLost: () => void,
): () => void {
  const timer = setInterval(
    () => {
      deps.ledger.heartbeat(requestId, deps.runnerId).then(
        (mine) => mine || onLost(),
        (error: unknown) => deps.log.warn({ requestId, err: error }, 'heartbeat failed'),
      );
    },
    Math.max(250, deps.staleAfterMs / 3),
  );
  return () => clearInterval(timer);
}

/**
 * The janitor's half of liveness, run by every process: declares runs whose heartbeat went quiet
 * (and whose process is gone) interrupted, and tells their channel.
 */
export async function interruptStaleRuns(deps: {
  ledger: RequestLedger;
  log: RunLog;
  staleAfterMs: number;
  onInterrupted: (request: PurgeRequestRecord) => void;
}): Promise<void> {
  for (const request of await deps.ledger.interruptStale(deps.staleAfterMs)) {
    deps.log.warn({ requestId: request.id, runner: request.runnerId }, 'run interrupted: no heartbeat');
    deps.onInterrupted(request);
  }
}
