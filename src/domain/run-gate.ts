import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthGate } from './health-gate.js';
import type { RequestLedger, RunLog, RunNote, RunReporter } from './run-ports.js';
import type { PurgeRequestRecord } from './request.js';

/** While paused, how often the ledger is asked whether to go on. */
const PAUSE_POLL_MS = 1_000;
/**
 * Between batches the ledger is read at most this often for Stop and Pause: a Stop still lands
 * within a quarter of a second plus one batch, and a fast run does not pay a query per batch
 * (each batch's own checkpoint already refuses if the request was taken away).
 */
const CONTROL_EVERY_MS = 250;

export interface RunGateDeps {
  ledger: RequestLedger;
  reporter: RunReporter;
  log: RunLog;
  runnerId: string;
  health: HealthGate;
}

/**
 * What a run obeys before each batch: Stop and Pause from its ledger row (clicked on any replica),
 * and the database's health. Waits while paused or held; calls `end` when the run must stop.
 */
export class RunGate {
  /** When the ledger's Stop and Pause flags were last read. */
  private controlReadAt = 0;

  constructor(
    private readonly request: PurgeRequestRecord,
    private readonly deps: RunGateDeps,
    private readonly signal: AbortSignal,
    private readonly end: (reason: 'stop' | 'lost') => void,
  ) {}

  async pass(): Promise<void> {
    const { ledger, reporter, log, runnerId, health } = this.deps;
    const requestId = this.request.id;
    let held: string | null = null;
    for (;;) {
      if (this.signal.aborted) return;
      if (!held && Date.now() - this.controlReadAt < CONTROL_EVERY_MS && !(await health.holdReason())) return;
      this.controlReadAt = Date.now();
      // If the ledger cannot be read right now, go on: the batch itself checks ownership and retries.
      const control = await ledger.control(requestId).catch((error: unknown) => {
        log.warn({ requestId, err: error }, 'could not read the run control');
        return undefined;
      });
      if (control === undefined) return;
      if (!control || control.state !== 'running' || control.runnerId !== runnerId) return this.end('lost');
      if (control.stopRequestedBy) return this.end('stop');
      const note: RunNote | null = control.pausedBy ? { kind: 'paused', by: control.pausedBy } : await this.healthNote();
      const reason = note === null ? null : note.kind === 'paused' ? `paused:${note.by}` : note.kind === 'held' ? note.text : null;
      if (!reason) {
        if (held) reporter.note(this.request, null);
        return;
      }
      if (reason !== held) {
        log.info({ requestId, reason }, 'run held');
        reporter.note(this.request, note);
        held = reason;
      }
      await sleep(PAUSE_POLL_MS, undefined, { signal: this.signal }).catch(() => undefined);
    }
  }

  private async healthNote(): Promise<RunNote | null> {
    const hold = await this.deps.health.holdReason();
    return hold ? { kind: 'held', ...hold } : null;
  }
}
