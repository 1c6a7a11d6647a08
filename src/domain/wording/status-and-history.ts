import { statusPhrase } from './sentences.js';
import { formatCount, formatDuration, formatPercent } from './format.js';
import type { StatusSummary } from '../plan/plan.js';
import { runAccount, type PurgeRequestRecord } from '../request/request.js';
import type { PolicySlot, PolicyView } from '../policy/policy.js';
import type { RequestLedger } from '../run-ports.js';
import { stateWords } from '../request/request-states.js';

/** What is going on now: `status` in Slack and in the terminal. */
export interface Overview {
  running: PurgeRequestRecord | null;
  /** How long the running request's heartbeat has been silent, when that is past the staleness limit (its process may be dead). */
  silentMs: number | null;
  /** Approved and waiting for the table, or awaiting approval; oldest first. */
  waiting: PurgeRequestRecord[];
  /** Stopped, interrupted or failed: an approver can resume them. Newest first. */
  resumable: PurgeRequestRecord[];
  /** The table's counts per status, and how old they are; null when they could not be taken. */
  table: { summary: StatusSummary; ageMs: number } | null;
  /** Each retention policy: its next slot and what became of its last one. */
  policies: PolicyView[];
}

const WAITING_SHOWN = 20;
const RESUMABLE_SHOWN = 5;

export async function overview(
  ledger: Pick<RequestLedger, 'running' | 'list'>,
  table: () => Promise<Overview['table']>,
  now: Date,
  staleAfterMs = 30_000,
  policies: () => Promise<PolicyView[]> = () => Promise.resolve([]),
): Promise<Overview> {
  const [running, waiting, resumable, counts, views] = await Promise.all([
    ledger.running(),
    ledger.list(WAITING_SHOWN, ['approved', 'awaiting_approval']),
    ledger.list(RESUMABLE_SHOWN, ['interrupted', 'failed', 'stopped']),
    table().catch(() => null),
    policies(),
  ]);
  return {
    running,
    silentMs: silentFor(running, now, staleAfterMs),
    waiting: waiting.reverse(),
    resumable,
    table: counts,
    policies: views,
  };
}

/** How long a running request's heartbeat has been silent, once that is past the staleness limit; else null. */
export function silentFor(
  running: Pick<PurgeRequestRecord, 'heartbeatAt'> | null,
  now: Date,
  staleAfterMs: number,
): number | null {
  const silentMs = running?.heartbeatAt ? now.getTime() - running.heartbeatAt.getTime() : null;
  return silentMs !== null && silentMs > staleAfterMs ? silentMs : null;
}

/** One request as `history` shows it, and as `--json` prints it. */
export interface HistoryEntry {
  id: number;
  createdAt: string;
  source: PurgeRequestRecord['source'];
  requester: string;
  approver: string | null;
  status: string;
  /** A purge, or a restore of an archived purge's rows. */
  kind: PurgeRequestRecord['kind'];
  restoreOf: number | null;
  method: string;
  deleted: number;
  previewed: number;
  /** Time spent deleting; null for a request that never ran. */
  durationMs: number | null;
  state: PurgeRequestRecord['state'];
  channelId: string | null;
  messageTs: string | null;
  /** `--reason`, as typed (user text). */
  reason: string | null;
  /** The retention policy that made the request, and its slot; null for a person's request. */
  policy: string | null;
  policySlot: string | null;
}

export function historyEntry(request: PurgeRequestRecord): HistoryEntry {
  const ran = request.startedAt !== null;
  const account = runAccount(request);
  return {
    id: request.id,
    createdAt: request.createdAt.toISOString(),
    source: request.source,
    requester: request.requesterId,
    approver: request.approverId,
    status: request.plan.status,
    kind: request.kind,
    restoreOf: request.restoreOf,
    method: ran ? account.method : request.plan.method,
    deleted: request.position.deleted,
    previewed: request.plan.matching,
    durationMs: ran ? account.durationMs : null,
    state: request.state,
    channelId: request.channelId,
    messageTs: request.messageTs,
    reason: request.reason,
    policy: request.policy,
    policySlot: request.policySlot?.toISOString() ?? null,
  };
}

/** How a reader words people, links and dates: Slack mentions and permalinks, or plain text. */
export interface Wording {
  who(userId: string): string;
  /** A link to the request's message, or '' where there is none. */
  link(request: PurgeRequestRecord): string;
  date(date: Date): string;
  /** How to resume request `id` here: a typed command, since a resumable run may have no button. */
  resume(id: number): string;
  /** User text (a reason) as this reader shows it safely: escaped for Slack. */
  userText(text: string): string;
}

/** `status`, one line per item: the run, the queue, what awaits approval, what can be resumed, the table. */
export function overviewLines(view: Overview, words: Wording): string[] {
  const lines: string[] = [];
  const by = (request: PurgeRequestRecord) =>
    `${request.policy !== null ? 'scheduled' : 'requested'} ${request.source === 'terminal' ? 'in the terminal ' : ''}by ${words.who(request.requesterId)}${request.approverId ? `, approved by ${words.who(request.approverId)}` : ''}${request.reason ? `, reason: ${words.userText(request.reason)}` : ''}`;
  const linked = (request: PurgeRequestRecord) => {
    const link = words.link(request);
    return link ? ` · ${link}` : '';
  };
  const what = (request: PurgeRequestRecord) => `${statusPhrase(request.plan.status)}`;
  if (view.running) {
    const { plan, position } = view.running;
    const percent = plan.matching > 0 ? ` (${formatPercent(position.deleted, plan.matching)})` : '';
    const held = view.running.pausedBy ? `, paused by ${words.who(view.running.pausedBy)}` : '';
    const runner = view.running.runnerId ? ` · runner ${view.running.runnerId}` : '';
    lines.push(
      `Running: #${view.running.id}, ${formatCount(position.deleted)} of ${formatCount(plan.matching)} webhooks ${what(view.running)} deleted${percent}${held}, ${by(view.running)}${runner}${linked(view.running)}`,
    );
    if (view.running.unresponsiveSince) {
      lines.push(
        `Not responding: #${view.running.id} since ${words.date(view.running.unresponsiveSince)}: its process stopped. It will not go on by itself; it is marked interrupted shortly, and ${words.resume(view.running.id)} then continues it.`,
      );
    } else if (view.silentMs !== null) {
      lines.push(
        `Warning: #${view.running.id} has sent no heartbeat for ${formatDuration(view.silentMs)}: its process may have died. The bot's janitor, or the next terminal run, marks it interrupted; an approver can then resume it.`,
      );
    }
  }
  for (const request of view.waiting) {
    if (request.state === 'approved') {
      lines.push(
        `Queued: #${request.id}, ${formatCount(request.plan.matching)} webhooks ${what(request)}, ${by(request)}; starts when the table is free${linked(request)}`,
      );
    } else {
      const expires = request.expiresAt ? `, expires ${words.date(request.expiresAt)}` : '';
      lines.push(
        `Awaiting approval: #${request.id}, ${formatCount(request.plan.matching)} webhooks ${what(request)}, ${by(request)}${expires}${linked(request)}`,
      );
    }
  }
  for (const request of view.resumable) {
    lines.push(
      `Resumable: #${request.id}, ${request.state} after ${request.kind === 'restore' ? 'restoring' : 'deleting'} ${formatCount(request.position.deleted)} of ${formatCount(request.plan.matching)} webhooks ${what(request)} · ${words.resume(request.id)}${linked(request)}`,
    );
  }
  if (lines.length === 0) lines.push('Nothing is running, queued, awaiting approval or resumable.');
  for (const policy of view.policies) lines.push(policyLine(policy, words));
  if (view.table) {
    const counts = view.table.summary.rows.map((row) => `${row.status} ${formatCount(row.count)}`).join(' · ');
    lines.push(
      `Table: ${counts} (counted ${view.table.ageMs < 1_000 ? 'just now' : `${formatDuration(view.table.ageMs)} ago`})`,
    );
  }
  return lines;
}

/** "Policy nightly-done: next run …; last slot …: request #12 approved by the policy". */
function policyLine({ policy, next, last, lastState }: PolicyView, words: Wording): string {
  const when = `${policy.schedule}, ${policy.timezone}; ${policy.approval === 'auto' ? `approves up to ${formatCount(policy.maxRows ?? 0)} rows itself` : 'approval required'}`;
  const upcoming = next ? `next run ${words.date(next)}` : 'no next run';
  const now = lastState ? ` (now ${stateWords(lastState)})` : '';
  const latest = last ? `; last slot ${words.date(last.slotAt)}: ${slotOutcomeText(last)}${now}` : '; no slot run yet';
  return `Policy ${policy.name}: ${upcoming} (${when})${latest}`;
}

/** What became of a slot, in words. */
export function slotOutcomeText(slot: Pick<PolicySlot, 'outcome' | 'requestId' | 'detail'>): string {
  const request = slot.requestId !== null ? `request #${slot.requestId}` : 'a request';
  switch (slot.outcome) {
    case 'claimed':
      return 'taken by a replica that has not said what became of it (if it stopped meanwhile, its log says why)';
    case 'requested':
      return `${request} posted for approval`;
    case 'auto-approved':
      return `${request} approved by the policy and run`;
    case 'skipped':
      return 'skipped: no replica ran within the catch-up window';
    case 'blocked':
      return `not run: ${request} from an earlier slot was still open`;
    case 'nothing':
      return `nothing to delete${slot.detail ? ` (${slot.detail.replace(/\.$/, '')})` : ''}`;
    case 'failed':
      return `failed: ${slot.detail ?? 'see the log'}`;
    case 'first':
      return 'none yet: the policy runs from its next slot';
  }
}

/** `history`, one line per request. */
export function historyLine(entry: HistoryEntry, request: PurgeRequestRecord, words: Wording): string {
  const approver = entry.approver ? ` → ${words.who(entry.approver)}` : '';
  const duration = entry.durationMs === null ? '' : ` · ${formatDuration(entry.durationMs)}`;
  const link = words.link(request);
  return (
    `#${entry.id} · ${words.date(request.createdAt)} · ${words.who(entry.requester)}${approver} · ${entry.kind === 'restore' ? `restore of #${entry.restoreOf ?? '?'} · ` : ''}${entry.status} · ${entry.method} · ` +
    `${formatCount(entry.deleted)} of ${formatCount(entry.previewed)}${duration} · ${stateWords(entry.state)}` +
    `${entry.reason ? ` · reason: ${words.userText(entry.reason)}` : ''}${link ? ` · ${link}` : ''}`
  );
}
