import { howItRan, shortfall, statusPhrase, type Target } from '../../src/domain/wording/sentences.js';
import type { AccessList } from '../../src/domain/request/access.js';
import type { Plan } from '../../src/domain/plan/plan.js';
import { formatCount, formatTimestamp } from '../../src/domain/wording/format.js';
import type { RunNote } from '../../src/domain/run-ports.js';
import { runAccount, type PurgeRequestRecord } from '../../src/domain/request/request.js';
import { clip } from './block-kit.js';

/** The sentences a message and its thread reply share, so both say the same thing. */

export const mention = (userId: string) => `<@${userId}>`;

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

/** "*PRODUCTION* · database `django@db:5432`": first in every preview. */
export function targetLine(target: Target): string {
  return `${target.environment ? `*${target.environment.toUpperCase()}* · ` : ''}database \`${target.database}\``;
}

/** "<@U1>, <@U2> or members of <!subteam^S1>": who an access list names, for people to read. */
export function namePeople(list: AccessList): string {
  if (list.kind !== 'list') return list.kind === 'anyone' ? 'anyone' : 'nobody';
  const names = [...list.users.map(mention), ...list.groups.map((group) => `members of <!subteam^${group}>`)];
  return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}

/** A run note in words, people as mentions. */
export function noteText(note: RunNote): string {
  return note.kind === 'paused' ? `paused by ${mention(note.by)}` : note.text;
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
    case 'stopped':
      return `Stopped${request.stopRequestedBy ? ` by ${mention(request.stopRequestedBy)}` : ''} after ${sofar} ${how}. Run /clear-telemetry again to ${verb.base} the remaining ${formatCount(left)}`;
    case 'failed':
      return `Failed after ${verb.ing.toLowerCase()} ${sofar} ${how}: ${error}. ${verb.ed} rows stay ${verb.done}`;
    case 'interrupted':
      return `Interrupted after ${verb.ing.toLowerCase()} ${sofar}: ${error}`;
  }
}

/** From the first start to the end, downtime included. */
export function closedSentence(request: PurgeRequestRecord): string {
  const nothing = `Nothing was ${verbOf(request).done}. Run /clear-telemetry again for a fresh preview.`;
  if (request.state === 'expired')
    return `Expired ${slackDate(request.expiresAt ?? request.decidedAt ?? new Date())} without approval. ${nothing}`;
  return `Cancelled by ${mention(request.decidedBy ?? '')}. ${nothing}`;
}

export function people(request: PurgeRequestRecord): string {
  const asked = `requested by ${mention(request.requesterId)}`;
  if (!request.approverId) return asked;
  return request.selfApproved
    ? `${asked} · self-approved (break-glass)`
    : `${asked} · approved by ${mention(request.approverId)}`;
}

/** One clause saying what became of a request, for late clicks and thread replies. */
export function describeDecision(request: PurgeRequestRecord): string {
  const by = (user: string | null) => (user ? ` by ${mention(user)}` : '');
  const at = (date: Date | null) => (date ? ` at ${formatTimestamp(date)}` : '');
  switch (request.state) {
    case 'awaiting_approval':
      return 'this request is waiting for approval';
    case 'approved':
      return `this request was already approved${by(request.approverId)}${at(request.approvedAt)} and is waiting for the table`;
    case 'running':
      return `this request was already approved${by(request.approverId)} and is running`;
    case 'succeeded':
      return `this request was approved${by(request.approverId)} and has finished`;
    case 'failed':
      return `this request was approved${by(request.approverId)} and has failed`;
    case 'stopped':
      return `this request was stopped${by(request.stopRequestedBy)}`;
    case 'interrupted':
      return 'this request was interrupted and can be resumed';
    case 'cancelled':
      return `this request was cancelled${by(request.decidedBy)}${at(request.decidedAt)}`;
    case 'expired':
      return `this request expired${at(request.expiresAt)} without approval`;
  }
}
