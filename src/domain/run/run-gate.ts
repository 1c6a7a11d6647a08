import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthGate } from './health-gate.js';
import type { PurgeRequestRecord } from '../request/request.js';
import type { RequestLedger, RunControl, RunLog, RunNote, RunReporter } from '../run-ports.js';

/** While paused, how often the ledger is asked whether to go on. */
const PAUSE_POLL_MS = 1_000;
/**
 * Between batches the ledger is read at most this often for Stop and Pause: a Stop still lands
 * within a quarter of a second plus one batch, and a fast run does not pay a query per batch
 * (each batch's own checkpoint already refuses if the request was taken away).
 */
const CONTROL_EVERY_MS = 250;

/** The ledger's answer: the flags, null when the request is gone, undefined when it could not be read. */
type ControlRead = RunControl | null | undefined;

export interface RunGateDeps {
  ledger: Pick<RequestLedger, 'control'>;
  reporter: Pick<RunReporter, 'note'>;
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
    const { reporter, log, health } = this.deps;
    const requestId = this.request.id;
    let held: string | null = null;
    for (;;) {
      if (this.signal.aborted) return;
      // The ledger and the health probes are read at once: neither waits for the other.
      const controlRead: Promise<ControlRead> | null = this.controlDue(held) ? this.readControl() : null;
      const hold = await health.holdReason();
      if (!controlRead && !hold) return;
      const control: ControlRead = await (controlRead ?? this.readControl());
      // If the ledger cannot be read right now, go on: the batch itself checks ownership and retries.
      if (control === undefined) return;
      if (!control || control.state !== 'running' || control.runnerId !== this.deps.runnerId) return this.end('lost');
      if (control.stopRequestedBy) return this.end('stop');
      const note: RunNote | null = control.pausedBy
        ? { kind: 'paused', by: control.pausedBy, since: control.pausedAt }
        : hold
          ? { kind: 'held', ...hold }
          : null;
      const reason: string | null =
        note === null ? null : note.kind === 'paused' ? `paused:${note.by}` : note.kind === 'held' ? note.text : null;
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

  /** While held, every poll reads the ledger; otherwise at most every CONTROL_EVERY_MS. */
  private controlDue(held: string | null): boolean {
    return held !== null || Date.now() - this.controlReadAt >= CONTROL_EVERY_MS;
  }

  /** The ledger's Stop and Pause flags; undefined when they cannot be read right now. */
  private async readControl(): Promise<ControlRead> {
    this.controlReadAt = Date.now();
    return this.deps.ledger.control(this.request.id).catch((error: unknown) => {
      this.deps.log.warn({ requestId: this.request.id, err: error }, 'could not read the run control');
      return undefined;
    });
  }
}
