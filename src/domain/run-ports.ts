import type { PurgePosition, PurgeProgress } from './ports.js';
import type { NewPurgeRequest, PurgeRequestRecord } from './request/request.js';
import type { RequestState } from './request/request-states.js';

/** What runs need from the request ledger, the process and wherever they report (Slack or the terminal). */

/** How a run ended, as the ledger records it. */
export interface RunResult {
  state: 'succeeded' | 'failed' | 'stopped' | 'interrupted';
  position: PurgePosition;
  methodUsed: string;
  fallbackReason: string | null;
  error: string | null;
  /** How long this run (since its start or resume) spent deleting. */
  activeMs: number;
}

/** What a running request is told to do, read between batches. */
export interface RunControl {
  state: PurgeRequestRecord['state'];
  runnerId: string | null;
  stopRequestedBy: string | null;
  pausedBy: string | null;
  pausedAt: Date | null;
}

/** The request ledger. State changes are compare-and-set: a failed one means someone else got there first. */
export interface RequestLedger {
  create(request: NewPurgeRequest): Promise<PurgeRequestRecord>;
  remove(id: number): Promise<void>;
  attachMessage(id: number, channelId: string, messageTs: string): Promise<void>;
  get(id: number): Promise<PurgeRequestRecord | null>;
  /** awaiting_approval -> approved, if not expired at `now`. */
  approve(id: number, approverId: string, selfApproved: boolean, now: Date): Promise<boolean>;
  /** awaiting_approval or approved (queued) -> cancelled. */
  cancel(id: number, by: string, now: Date): Promise<boolean>;
  /** awaiting_approval -> expired for every request past its expiry; returns those this call expired. */
  expireDue(now: Date): Promise<PurgeRequestRecord[]>;
  /** approved -> running; `busy` when another request is running on the same table. */
  start(id: number, runnerId: string): Promise<'started' | 'busy' | 'not-approved'>;
  /** interrupted, failed or stopped -> running, keeping the position, the watermark and the plan. */
  resume(id: number, runnerId: string): Promise<'started' | 'busy' | 'not-resumable'>;
  /**
   * Records that an approved request waits behind `behindId` (null: a run the ledger cannot name);
   * true only the first time for that blocker, across every process, so "queued" is said once.
   */
  markQueued(id: number, behindId: number | null): Promise<boolean>;
  /** The request running on the webhook table now, if any. */
  running(): Promise<PurgeRequestRecord | null>;
  /** The newest `limit` requests in any of `states` (every state when omitted), newest first. */
  list(limit: number, states?: readonly RequestState[]): Promise<PurgeRequestRecord[]>;
  /** The oldest approved request waiting for the table. */
  nextQueued(): Promise<PurgeRequestRecord | null>;
  requestStop(id: number, by: string, now: Date): Promise<boolean>;
  /** Pauses (by a person) or continues (null) a running request. */
  setPause(id: number, by: string | null, now: Date): Promise<boolean>;
  control(id: number): Promise<RunControl | null>;
  /**
   * Refreshes the heartbeat: `lost` when the ledger no longer names this runner, `recovered` when the
   * run had been marked not responding (its mark is cleared), else `alive`.
   */
  heartbeat(id: number, runnerId: string): Promise<'alive' | 'recovered' | 'lost'>;
  /**
   * Marks running requests whose process does not answer (liveness lock free, heartbeat silent for
   * `silentMs`, database clock) as not responding; returns those this call marked.
   */
  markUnresponsive(silentMs: number): Promise<PurgeRequestRecord[]>;
  /**
   * running -> interrupted for every run whose liveness lock is free and whose heartbeat is older than
   * `staleAfterMs`, or whose heartbeat is older than `hungAfterMs` whatever its lock (database clock).
   */
  interruptStale(staleAfterMs: number, hungAfterMs?: number): Promise<PurgeRequestRecord[]>;
  /** The request's message was posted again as `repostTs` (the original `messageTs` can no longer be edited). */
  recordRepost(channelId: string, messageTs: string, repostTs: string): Promise<void>;
  /** Where the message `messageTs` was posted again, if it was. */
  repostOf(channelId: string, messageTs: string): Promise<string | null>;
  /** running -> succeeded | failed | stopped | interrupted, if this runner still owns it. */
  finish(id: number, runnerId: string, result: RunResult, now: Date): Promise<PurgeRequestRecord | null>;
}

/** Proof that a run's process is alive, held for as long as it runs (see src/db/run-lock.ts). */
export interface RunLiveness {
  /** Takes the run's liveness lock; resolves to its release. */
  hold(requestId: number): Promise<() => Promise<void>>;
}

/** Where a run reports to (the Slack message and its thread, or the terminal). Must never throw. */
export interface RunReporter {
  queued(request: PurgeRequestRecord, behind: PurgeRequestRecord | null): void;
  started(request: PurgeRequestRecord): void;
  progress(request: PurgeRequestRecord, progress: PurgeProgress): void;
  /** A note about the run's pace: a fallback, a retry, a pause (null: it carries on normally). */
  note(request: PurgeRequestRecord, note: RunNote | null): void;
  /** The run ended: the record's state says how (succeeded, failed, stopped, interrupted). */
  finished(request: PurgeRequestRecord): void;
  /** The run's process stopped answering (seen by any process's janitor): no Stop or Pause, the ledger's counts. */
  unresponsive(request: PurgeRequestRecord): void;
  /** A run marked not responding answers again (seen by its own process). */
  recovered(request: PurgeRequestRecord): void;
}

/** Structured log lines about runs (pino's shape). */
export interface RunLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * `paused`: by a person (Continue resumes it), named by their user id for the reporter to word;
 * `held`: by a health signal, resuming on its own.
 */
export type RunNote =
  | { kind: 'fallback' | 'retry'; text: string }
  | { kind: 'held'; text: string; cause: HoldCause }
  | { kind: 'paused'; by: string; since: Date | null };

/** Why a gate holds a run: a closed set, so it can label a metric. */
export type HoldCause = 'replica-lag' | 'vacuum' | 'slow-batch';
