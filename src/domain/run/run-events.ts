import { publicMessage } from '../../errors.js';
import type { HealthGate } from './health-gate.js';
import type { RunEvent, RunOutcome } from './batch-loop.js';
import type { PurgeRequestRecord } from '../request/request.js';
import type { RunLog, RunReporter, RunResult } from '../run-ports.js';

/** Why a run was told to end before its engine finished. */
export type EndReason = 'stop' | 'shutdown' | 'lost';

/** One engine event of a run: to the reporter (Slack or the terminal), the log, and the health gate. */
export function reportEvent(
  deps: { reporter: RunReporter; log: RunLog },
  request: PurgeRequestRecord,
  event: RunEvent,
  health: HealthGate,
): void {
  const { reporter, log } = deps;
  switch (event.type) {
    case 'progress':
      health.recordBatch(event.lastBatchMs);
      reporter.progress(request, event);
      return;
    case 'fallback':
      log.info({ requestId: request.id, reason: event.reason }, 'falling back to batches');
      reporter.note(request, { kind: 'fallback', text: event.reason });
      return;
    case 'retry':
    case 'resized':
      log.warn(
        { requestId: request.id, reason: event.reason },
        event.type === 'retry' ? 'batch retry' : 'batch resized',
      );
      reporter.note(request, { kind: 'retry', text: event.reason });
  }
}

/** What the ledger records of a finished run: its end state, position, method and error. */
export function runResult(outcome: RunOutcome, reason: EndReason | null, note: string | null = null): RunResult {
  const state =
    outcome.state === 'completed'
      ? 'succeeded'
      : outcome.state === 'failed'
        ? 'failed'
        : reason === 'shutdown'
          ? 'interrupted'
          : 'stopped';
  return {
    state,
    position: { deleted: outcome.deleted, batches: outcome.batches, lastId: outcome.lastId },
    methodUsed: outcome.method,
    fallbackReason: outcome.fallback,
    activeMs: outcome.durationMs,
    error:
      state === 'interrupted'
        ? 'the process running it was shut down'
        : outcome.error
          ? publicMessage(outcome.error)
          : state === 'stopped'
            ? note
            : null,
  };
}
