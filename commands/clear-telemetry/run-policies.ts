import { audit, planFields } from '../../src/domain/audit.js';
import { planPurge, type Plan } from '../../src/domain/plan/plan.js';
import {
  approvesItself,
  dueSlot,
  policyExpiry,
  policyRequester,
  type Policy,
  type PolicyRoster,
  type SlotOutcome,
} from '../../src/domain/policy/policy.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import { nothingToDelete } from '../../src/domain/wording/sentences.js';
import { describeError } from '../../src/describe-error.js';
import type { ClearTelemetryDeps } from './deps.js';
import { post, postPreview } from './open-request.js';
import { previewMessage } from './preview-blocks.js';
import { policyBlockedMessage, policySkippedMessage } from './policy-notices.js';
import { threadReply } from './thread-replies.js';

const OPEN: readonly PurgeRequestRecord['state'][] = ['awaiting_approval', 'approved', 'running'];

/**
 * The janitor's policy chore, on every replica every few seconds: for each policy, the slot now due
 * is claimed in the ledger by one process (its key is the policy and the slot), which then plans the
 * purge with the policy's flags and every gate, and posts its preview in the policy's channel. The
 * policy approves it itself when it may (`auto`, within its `max_rows`), and the run starts at once;
 * otherwise it waits for an approver like any request.
 */
export async function runPolicies(deps: ClearTelemetryDeps, roster: PolicyRoster): Promise<void> {
  for (const policy of roster.list) {
    await runPolicy(deps, roster, policy).catch((error: unknown) =>
      deps.log.error({ err: error, policy: policy.name }, 'policy chore failed'),
    );
  }
}

async function runPolicy(deps: ClearTelemetryDeps, roster: PolicyRoster, policy: Policy): Promise<void> {
  const schedule = roster.schedules.get(policy.name);
  const now = deps.clock();
  const due = schedule ? dueSlot(schedule, now, roster.catchUpMs) : null;
  if (!due) return;
  const latest = await roster.slots.latest(policy.name);
  if (latest && latest.slotAt.getTime() >= due.slotAt.getTime()) return;
  const settle = async (outcome: SlotOutcome, requestId: number | null, detail: string | null) => {
    await roster.slots.settle(policy.name, due.slotAt, outcome, requestId, detail);
    roster.counted?.(policy.name, outcome);
  };
  // A policy the app has not run before starts with its next slot, not with one that passed already.
  if (!latest) {
    if (await roster.slots.claim(policy.name, due.slotAt, 'first'))
      deps.log.info({ policy: policy.name, slot: due.slotAt }, 'policy first seen: it runs from its next slot');
    return;
  }
  if (due.late) {
    if (!(await roster.slots.claim(policy.name, due.slotAt, 'skipped'))) return;
    const next = schedule?.nextSlot(now) ?? null;
    audit(deps.log, 'skipped', { policy: policy.name, slot: due.slotAt, why: 'late', next });
    roster.counted?.(policy.name, 'skipped');
    await post(deps, policy.channel, policySkippedMessage(policy, due.slotAt, next, roster.catchUpMs, deps.target));
    return;
  }
  if (!(await roster.slots.claim(policy.name, due.slotAt, 'claimed'))) return;
  try {
    const open = await stillOpen(deps, policy);
    if (open) {
      await settle('blocked', open.id, `request #${open.id} is ${open.state}`);
      audit(deps.log, 'skipped', { policy: policy.name, slot: due.slotAt, why: 'open', requestId: open.id });
      // Said once: later slots blocked by the same request add nothing to the channel.
      const saidBefore = latest.outcome === 'blocked' && latest.requestId === open.id;
      if (!saidBefore) await post(deps, policy.channel, policyBlockedMessage(policy, due.slotAt, open, deps.target));
      return;
    }
    const plan = await planPurge((cutoff) => deps.census.fresh(cutoff), deps.queue, policy.args, deps.planPolicy, now);
    if (plan.matching === 0) {
      await settle('nothing', null, nothingToDelete(plan));
      deps.log.info({ policy: policy.name, slot: due.slotAt, why: nothingToDelete(plan) }, 'policy: nothing to delete');
      return;
    }
    const request = await openPolicyRequest(deps, roster, policy, due.slotAt, plan);
    if (approvesItself(policy, plan)) {
      if (await deps.ledger.approve(request.id, request.requesterId, false, deps.clock())) {
        const approved = (await deps.ledger.get(request.id)) ?? request;
        audit(deps.log, 'auto-approved', {
          requestId: request.id,
          policy: policy.name,
          matching: plan.matching,
          maxRows: policy.maxRows,
        });
        if (approved.channelId && approved.messageTs)
          deps.slack.audit(
            request.id,
            approved.channelId,
            approved.messageTs,
            threadReply.approvedByPolicy(approved, policy),
          );
        await settle('auto-approved', request.id, null);
        void deps.runner.start(request.id);
        return;
      }
    }
    await settle('requested', request.id, null);
  } catch (error) {
    await settle('failed', null, describeError(error)).catch(() => undefined);
    throw error;
  }
}

/** The policy's earlier request, when one is still awaiting approval, queued or running. */
async function stillOpen(deps: ClearTelemetryDeps, policy: Policy): Promise<PurgeRequestRecord | null> {
  const open = await deps.ledger.list(100, OPEN);
  return open.find((request) => request.policy === policy.name) ?? null;
}

/** Records the policy's request and posts its preview in the policy's channel. */
async function openPolicyRequest(
  deps: ClearTelemetryDeps,
  roster: PolicyRoster,
  policy: Policy,
  slotAt: Date,
  plan: Plan,
): Promise<PurgeRequestRecord> {
  const now = deps.clock();
  const expiresAt = policyExpiry(
    now,
    deps.access.approvalTtlMs,
    roster.schedules.get(policy.name)?.nextSlot(now) ?? null,
  );
  const requesterId = policyRequester(policy);
  const request = await deps.ledger.create({
    source: 'policy',
    plan,
    force: false,
    useCursor: policy.args.useCursor,
    requesterId,
    teamId: null,
    channelId: policy.channel,
    expiresAt,
    policy: policy.name,
    policySlot: slotAt,
  });
  const { approvers, breakGlass } = deps.access;
  const options = {
    requestId: request.id,
    requesterId,
    approvers,
    breakGlass,
    now,
    target: deps.target,
    expiresAt,
    selfApproval: null,
  };
  const ts = await postPreview(
    deps,
    request.id,
    policy.channel,
    previewMessage(plan, { ...options, policy: { policy, slotAt, autoApproves: approvesItself(policy, plan) } }),
  );
  audit(deps.log, 'requested', {
    requestId: request.id,
    kind: 'purge',
    source: 'policy',
    requester: requesterId,
    policy: policy.name,
    slot: slotAt,
    channel: policy.channel,
    ...planFields(plan),
    reason: null,
  });
  return { ...request, messageTs: ts };
}
