import { commandFlags, howItRan, shortfall, statusPhrase, type Target } from '../../src/domain/wording/sentences.js';
import type { AccessList } from '../../src/domain/request/access.js';
import type { Plan } from '../../src/domain/plan/plan.js';
import { formatCount, formatTimestamp } from '../../src/domain/wording/format.js';
import { runAccount, type PurgeRequestRecord } from '../../src/domain/request/request.js';
import { clip, escapeMrkdwn } from './block-kit.js';
import type { RunNote } from '../../src/domain/run-ports.js';

/** The sentences a message and its thread reply share, so both say the same thing. */

/**
 * A person as Slack shows them: a mention for a Slack user; a terminal user (`terminal:ana@host`) or
 * a retention policy (`policy:nightly`) in words, escaped, since neither is a Slack user.
 */
export function mention(userId: string): string {
  if (userId.startsWith('terminal:')) return `\`${escapeMrkdwn(userId.slice('terminal:'.length))}\` (terminal)`;
  if (userId.startsWith('policy:')) return `policy \`${escapeMrkdwn(userId.slice('policy:'.length))}\``;
  return `<@${userId}>`;
}

const bold = (text: string) => `*${text}*`;

/** "*90,000* webhooks with status *ERROR*", or "*36,000* webhooks of every status". */
export function webhooks(plan: Pick<Plan, 'matching' | 'status'>, count = plan.matching, strong = true): string {
  const mark = strong ? bold : (text: string) => text;
  return `${mark(formatCount(count))} webhooks ${statusPhrase(plan.status, mark)}`;
}

/** What a request does to its rows, in words: a purge deletes them, a restore puts archived ones back. */
export interface Verb {
  /** delete / restore */
  base: string;
  /** Deleting / Restoring */
  ing: string;
  /** Deleted / Restored, and deleted / restored */
  ed: string;
  done: string;
  /** "*90,000* webhooks with status *ERROR*", and for a restore "… archived by request #12". */
  what(plan: Pick<Plan, 'matching' | 'status'>, count?: number, strong?: boolean): string;
}

export function verbOf(request: Pick<PurgeRequestRecord, 'kind' | 'restoreOf'>): Verb {
  if (request.kind === 'restore') {
    return {
      base: 'restore',
      ing: 'Restoring',
      ed: 'Restored',
      done: 'restored',
      what: (plan, count, strong) =>
        `${webhooks(plan, count, strong)} archived by request #${request.restoreOf ?? '?'}`,
    };
  }
  return { base: 'delete', ing: 'Deleting', ed: 'Deleted', done: 'deleted', what: webhooks };
}

/**
 * A time each reader sees in their own time zone (Slack's date formatting,
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting), with UTC as the fallback.
 */
export function slackDate(date: Date): string {
  return `<!date^${Math.floor(date.getTime() / 1_000)}^{date_short_pretty} at {time_secs}|${formatTimestamp(date)}>`;
}

/** "in 14 minutes", "3 minutes ago": Slack renders it relative to the moment each reader looks. */
export function slackAgo(date: Date): string {
  return `<!date^${Math.floor(date.getTime() / 1_000)}^{ago}|${formatTimestamp(date)}>`;
}

/** "*PRODUCTION* · database `django` on db.internal:5432": in every state of a request's message. */
export function targetLine(target: Target): string {
  return `${target.environment ? `*${escapeMrkdwn(target.environment.toUpperCase())}* · ` : ''}database \`${escapeMrkdwn(target.name)}\` on ${escapeMrkdwn(target.host)}`;
}

/**
 * "<@U1>, <@U2> or members of <!subteam^S1>": who an access list names, for people to read, leaving
 * out `except` (the requester, who may not approve their own request).
 */
export function namePeople(list: AccessList, except?: string): string {
  if (list.kind !== 'list') return list.kind === 'anyone' ? 'anyone' : 'nobody';
  const users = list.users.filter((user) => user !== except);
  const names = [...users.map(mention), ...list.groups.map((group) => `members of <!subteam^${group}>`)];
  return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}

/** A run note in words, people as mentions. */
export function noteText(note: RunNote): string {
  if (note.kind !== 'paused') return note.text;
  return `${note.since ? `since ${slackDate(note.since)} ` : ''}by ${mention(note.by)}`;
}

export function resultSentence(request: PurgeRequestRecord, bold = false): string {
  const b = (text: string) => (bold ? `*${text}*` : text);
  const { plan, position } = request;
  const verb = verbOf(request);
  const what = verb.what(plan, position.deleted, bold).replace(/^\S+ /, '');
  const sofar = `${b(formatCount(position.deleted))} of ${b(formatCount(plan.matching))} ${what}`;
  const left = Math.max(0, plan.matching - position.deleted);
  const account = runAccount(request);
  const how = howItRan(account);
  const error = clip(request.error ?? 'unknown error', 500).replace(/\.$/, '');
  const skipped =
    request.skipped > 0
      ? `; skipped ${formatCount(request.skipped)} whose id is taken again (left in the archive)`
      : '';
  switch (account.endState) {
    case 'succeeded': {
      const kept = request.kind === 'restore' ? '' : shortfall(plan.matching, position.deleted);
      return `${verb.ed} ${b(formatCount(position.deleted))} ${what} ${how}${kept ? ` (${kept})` : ''}${skipped}`;
    }
    case 'stopped': {
      const by = request.stopRequestedBy ? ` by ${mention(request.stopRequestedBy)}` : '';
      const why = request.error ? ` (${clip(request.error, 200).replace(/\.$/, '')})` : '';
      const rest =
        left > 0
          ? `. ${b('Resume')} ${verb.base}s the remaining ${formatCount(left)} previewed rows, within the same watermark`
          : '';
      return `Stopped${by}${why} after ${sofar} ${how}${rest}`;
    }
    case 'failed':
      return `Failed after ${verb.ing.toLowerCase()} ${sofar} ${how}: ${error}. ${verb.ed} rows stay ${verb.done}`;
    case 'interrupted':
      return `Interrupted after ${verb.ing.toLowerCase()} ${sofar}: ${error}`;
  }
}

/** From the first start to the end, downtime included. */
export function closedSentence(request: PurgeRequestRecord): string {
  const again =
    request.kind === 'restore'
      ? `\`/clear-telemetry restore ${request.restoreOf ?? ''}\``
      : `\`/clear-telemetry ${commandFlags(request.plan)}\``;
  const nothing = `Nothing was ${verbOf(request).done}. To ask again, ${again} previews it afresh.`;
  if (request.state === 'expired')
    return `Expired ${slackDate(request.expiresAt ?? request.decidedAt ?? new Date())} without approval. ${nothing}`;
  return `Cancelled by ${mention(request.decidedBy ?? '')}. ${nothing}`;
}

/** " Reason: INC-1234 queue full." (escaped: it is user text), or nothing. */
export function reasonClause(request: Pick<PurgeRequestRecord, 'reason'>): string {
  if (!request.reason) return '';
  const reason = escapeMrkdwn(request.reason);
  return ` Reason: ${reason}${/[.!?]$/.test(reason) ? '' : '.'}`;
}

/** Who asked and who approved, and why: "requested by @ana · approved by @ben · reason: INC-1234". */
export function people(request: PurgeRequestRecord): string {
  const why = request.reason ? ` · reason: ${escapeMrkdwn(request.reason)}` : '';
  if (request.policy !== null && request.approverId === request.requesterId) {
    return `scheduled and approved by ${mention(request.requesterId)} (within its max_rows)${why}`;
  }
  const asked = `${request.policy !== null ? 'scheduled' : 'requested'} by ${mention(request.requesterId)}`;
  if (!request.approverId) return `${asked}${why}`;
  return request.selfApproved
    ? `${asked} · self-approved (break-glass)${why}`
    : `${asked} · approved by ${mention(request.approverId)}${why}`;
}

/**
 * What a person learns when they act on a run whose process stopped answering: it cannot obey, it
 * will not go on by itself, and what comes next. Counts are the ledger's.
 */
export function notRespondingText(request: PurgeRequestRecord): string {
  const since = request.unresponsiveSince ? ` since ${slackDate(request.unresponsiveSince)}` : '';
  return (
    `Request #${request.id} is not responding${since}: the process running it stopped after ${formatCount(request.position.deleted)} of ` +
    `${formatCount(request.plan.matching)} rows (as recorded). It will not go on by itself: it is marked interrupted shortly, and *Resume* then continues it.`
  );
}

/** One clause saying what became of a request, for late clicks and thread replies. */
export function describeDecision(request: PurgeRequestRecord): string {
  const by = (user: string | null) => (user ? ` by ${mention(user)}` : '');
  const at = (date: Date | null) => (date ? ` at ${formatTimestamp(date)}` : '');
  switch (request.state) {
    case 'awaiting_approval':
      return 'this request is waiting for approval';
    case 'approved':
      return `this request was already approved${by(request.approverId)}${at(request.approvedAt)}`;
    case 'running':
      return `this request was already approved${by(request.approverId)} and is running`;
    case 'succeeded':
      return `this request was approved${by(request.approverId)} and has finished`;
    case 'failed':
      return `this request was approved${by(request.approverId)} and has failed`;
    case 'stopped':
      return `this request was stopped${by(request.stopRequestedBy)}; an approver can resume it`;
    case 'interrupted':
      return 'this request was interrupted; an approver can resume it';
    case 'cancelled':
      return `this request was cancelled${by(request.decidedBy)}${at(request.decidedAt)}`;
    case 'expired':
      return `this request expired${at(request.expiresAt)} without approval`;
  }
}
