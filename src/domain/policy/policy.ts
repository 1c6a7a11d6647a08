import type { PurgeArgs } from '../plan/clear-args.js';
import type { RequestState } from '../request/request-states.js';
import type { RequestLedger } from '../run-ports.js';

/**
 * A retention policy: a purge the deployment declares (CLEAR_TELEMETRY_POLICIES), run on a schedule,
 * announced in its channel and recorded in the ledger like any request. `auto` approves its own plan
 * while that stays within `maxRows` and every gate: the policy file, reviewed by a second person in
 * the deployment's repository, is the approval.
 */
export interface Policy {
  name: string;
  /** A cron expression, in `timezone`. */
  schedule: string;
  timezone: string;
  /** The command's own flags, as typed (`--status DONE --older-than 7d --archive`), and as parsed. */
  flags: string;
  args: PurgeArgs;
  channel: string;
  approval: 'required' | 'auto';
  /** With `auto`: the most rows the policy approves itself; a bigger plan waits for an approver. */
  maxRows: number | null;
}

/** When a policy's runs are due. */
export interface PolicySchedule {
  /** The latest slot at or before `now`, or null when there was none. */
  latestSlot(now: Date): Date | null;
  /** The first slot after `after`, or null when there is none. */
  nextSlot(after: Date): Date | null;
}

/**
 * What became of one scheduled slot, as the ledger records it (once per policy and slot, whatever
 * the number of replicas): claimed by a process and not settled yet (or never, if it died), a
 * request made (awaiting approval, or approved by the policy), missed past the catch-up window, not
 * run while the policy's previous request was open, nothing to delete, the plan could not be made,
 * or the policy was new (it runs from its next slot).
 */
export const SLOT_OUTCOMES = [
  'claimed',
  'requested',
  'auto-approved',
  'skipped',
  'blocked',
  'nothing',
  'failed',
  'first',
] as const;
export type SlotOutcome = (typeof SLOT_OUTCOMES)[number];

/** A slot as the ledger has it. */
export interface PolicySlot {
  policy: string;
  slotAt: Date;
  outcome: SlotOutcome;
  requestId: number | null;
  detail: string | null;
}

/** The ledger's record of policy slots: the unique (policy, slot) key makes each slot run once. */
export interface PolicySlots {
  /** Records `slot` for `policy` with `outcome`; false when some process already had it. */
  claim(policy: string, slotAt: Date, outcome: SlotOutcome): Promise<boolean>;
  /** Completes a claimed slot: what became of it. */
  settle(
    policy: string,
    slotAt: Date,
    outcome: SlotOutcome,
    requestId: number | null,
    detail: string | null,
  ): Promise<void>;
  /** The latest slot recorded for `policy`, if any. */
  latest(policy: string): Promise<PolicySlot | null>;
}

/** The deployment's retention policies, as the app runs them. */
export interface PolicyRoster {
  list: readonly Policy[];
  schedules: ReadonlyMap<string, PolicySchedule>;
  slots: PolicySlots;
  /** A slot missed while no replica ran still runs at start within this long; past it, it is skipped. */
  catchUpMs: number;
  /** Counts what became of each slot (a metric; the label is the policy's name, from the file). */
  counted?: (policy: string, outcome: SlotOutcome) => void;
}

/** The requester a policy's requests carry: a name no Slack user has. */
export function policyRequester(policy: Pick<Policy, 'name'>): string {
  return `policy:${policy.name}`;
}

/** The slot due now, and what to do with it: run it (within the catch-up window) or report it skipped. */
export function dueSlot(
  schedule: PolicySchedule,
  now: Date,
  catchUpMs: number,
): { slotAt: Date; late: boolean } | null {
  const slotAt = schedule.latestSlot(now);
  if (!slotAt) return null;
  return { slotAt, late: now.getTime() - slotAt.getTime() > catchUpMs };
}

/**
 * When a policy's request stops waiting for an approver: at its next slot, so a nightly purge posted
 * at 3 a.m. can be approved in the morning, but never sooner than the approval window
 * (CLEAR_TELEMETRY_APPROVAL_TTL). Only the previewed rows are deleted whenever it is approved.
 */
export function policyExpiry(now: Date, approvalTtlMs: number, nextSlot: Date | null): Date {
  return new Date(Math.max(now.getTime() + approvalTtlMs, nextSlot?.getTime() ?? 0));
}

/**
 * Whether the policy itself approves its plan: `auto`, within its `maxRows`, and within every gate
 * that would need a particular approver (the row cap needs a break-glass user).
 */
export function approvesItself(
  policy: Pick<Policy, 'approval' | 'maxRows'>,
  plan: { matching: number; overCap: number | null },
): boolean {
  return (
    policy.approval === 'auto' && policy.maxRows !== null && plan.matching <= policy.maxRows && plan.overCap === null
  );
}

/** A policy as `status` shows it: its next slot, and what became of its last one. */
export interface PolicyView {
  policy: Policy;
  next: Date | null;
  last: PolicySlot | null;
  /** The state now of the request the last slot made, so a status line stays true after it moved on. */
  lastState: RequestState | null;
}

export async function policyViews(
  policies: readonly Policy[],
  schedules: ReadonlyMap<string, PolicySchedule>,
  slots: Pick<PolicySlots, 'latest'>,
  requests: Pick<RequestLedger, 'get'>,
  now: Date,
): Promise<PolicyView[]> {
  return Promise.all(
    policies.map(async (policy) => {
      const last = await slots.latest(policy.name);
      const request = last?.requestId != null ? await requests.get(last.requestId) : null;
      return {
        policy,
        next: schedules.get(policy.name)?.nextSlot(now) ?? null,
        last,
        lastState: request?.state ?? null,
      };
    }),
  );
}
