import { formatDuration } from './format.js';
import type { HealthProbe } from './ports.js';

export interface HealthSettings {
  targetBatchMs: number;
  slowBatchCooldownMs: number;
}

/** Far above target: the database is struggling, not merely busy (GitLab holds a migration then). */
const SLOW_FACTOR = 4;
/** The probe is a catalog query; once a second is plenty. */
const PROBE_EVERY_MS = 1_000;

/**
 * Decides whether the next batch may run now. Returns why not (shown on the message), or null.
 * Two signals, as pt-online-schema-change and GitLab's batched migrations use: a VACUUM on the
 * table, and a batch that took far longer than the target (then a cool-down before the next).
 */
export class HealthGate {
  private coolUntil = 0;
  private slowBatchMs = 0;
  private lastProbe = 0;
  private vacuum = false;

  constructor(
    private readonly probe: HealthProbe,
    private readonly settings: HealthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called once per finished batch: a batch far above target starts a cool-down. */
  recordBatch(durationMs: number): void {
    if (durationMs > this.settings.targetBatchMs * SLOW_FACTOR) {
      this.coolUntil = this.now() + this.settings.slowBatchCooldownMs;
      this.slowBatchMs = durationMs;
    }
  }

  async holdReason(): Promise<string | null> {
    const now = this.now();
    if (now < this.coolUntil) {
      return `the last batch took ${formatDuration(this.slowBatchMs)} (target ${formatDuration(this.settings.targetBatchMs)}); cooling down for ${formatDuration(this.settings.slowBatchCooldownMs)}`;
    }
    if (now - this.lastProbe >= PROBE_EVERY_MS) {
      this.lastProbe = now;
      this.vacuum = await this.probe.vacuumRunning().catch(() => false);
    }
    return this.vacuum ? 'VACUUM is running on assignments_learnpackwebhook; waiting for it to finish' : null;
  }
}
