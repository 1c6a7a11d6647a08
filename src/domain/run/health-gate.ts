import { formatAge, formatBytes, formatDuration, formatTimestamp } from '../wording/format.js';
import type { HealthProbe, ReplicaLag } from '../ports.js';
import type { HoldCause } from '../run-ports.js';

/** Why the next batch must wait, in words for people and as a cause for metrics. */
export interface Hold {
  cause: HoldCause;
  text: string;
}

export interface HealthSettings {
  targetBatchMs: number;
  slowBatchCooldownMs: number;
  /** Hold while a replica's replay lag is over this (CLEAR_TELEMETRY_MAX_REPLICA_LAG). */
  maxReplicaLagMs: number;
  /** Hold while a replica has more WAL than this left to replay (CLEAR_TELEMETRY_MAX_REPLICA_LAG_BYTES). */
  maxReplicaLagBytes: number;
}

/** Far above target: the database is struggling, not merely busy (GitLab holds a migration then). */
const SLOW_FACTOR = 4;
/** The probes are catalog queries, run at most this often, like the other checks between batches. */
const PROBE_EVERY_MS = 250;

/**
 * Decides whether the next batch may run now. Returns why not (shown on the message), or null.
 * The signals pt-archiver, pt-online-schema-change and GitLab's batched migrations use: a replica
 * falling behind, a VACUUM on the table, and a batch that took far longer than the target (then a
 * cool-down before the next).
 */
export class HealthGate {
  private coolUntil = 0;
  private slowBatchMs = 0;
  private lastProbe = 0;
  private vacuum = false;
  private behind: ReplicaLag | null = null;
  /** The replica hold in words, fixed when it began, so a growing lag is not a new note each time. */
  private replicaHold: { name: string; text: string } | null = null;

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

  async holdReason(): Promise<Hold | null> {
    const now = this.now();
    if (now < this.coolUntil) {
      const text = `the last batch took ${formatDuration(this.slowBatchMs)} (target ${formatDuration(this.settings.targetBatchMs)}); cooling down for ${formatDuration(this.settings.slowBatchCooldownMs)}`;
      return { cause: 'slow-batch', text };
    }
    if (now - this.lastProbe >= PROBE_EVERY_MS) {
      this.lastProbe = now;
      const [vacuum, replicas] = await Promise.all([
        this.probe.vacuumRunning().catch(() => false),
        this.probe.replicas().catch(() => []),
      ]);
      this.vacuum = vacuum;
      this.behind = replicas.find((replica) => this.isBehind(replica)) ?? null;
    }
    if (this.behind) return { cause: 'replica-lag', text: this.replicaReason(this.behind, now) };
    this.replicaHold = null;
    return this.vacuum
      ? { cause: 'vacuum', text: 'VACUUM is running on assignments_learnpackwebhook; waiting for it to finish' }
      : null;
  }

  /**
   * Over either limit. `replay_lag` is only updated when the replica replays something, so a replica
   * whose replay stopped can show a small, stale lag while WAL piles up: the bytes left to replay
   * catch that.
   */
  private isBehind(replica: ReplicaLag): boolean {
    return (
      (replica.lagMs ?? 0) > this.settings.maxReplicaLagMs || (replica.lagBytes ?? 0) > this.settings.maxReplicaLagBytes
    );
  }

  private replicaReason(replica: ReplicaLag, now: number): string {
    if (this.replicaHold?.name !== replica.name) {
      const { maxReplicaLagMs, maxReplicaLagBytes } = this.settings;
      const overTime = (replica.lagMs ?? 0) > maxReplicaLagMs;
      const how = overTime
        ? `${formatDuration(replica.lagMs ?? 0)} behind (limit ${formatAge(maxReplicaLagMs)})`
        : `${formatBytes(replica.lagBytes ?? 0)} of WAL behind (limit ${formatBytes(maxReplicaLagBytes)})`;
      this.replicaHold = {
        name: replica.name,
        text: `replica \`${replica.name}\` is ${how}, since ${formatTimestamp(new Date(now))}`,
      };
    }
    return this.replicaHold.text;
  }
}
