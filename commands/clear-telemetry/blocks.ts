import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { AccessList } from '../../src/domain/access.js';
import { howItRan } from '../../src/domain/describe.js';
import { formatCount, formatDuration, formatPercent, formatRate, formatTimestamp } from '../../src/domain/format.js';
import type { Plan, StatusSummary } from '../../src/domain/plan.js';
import type { RunNote } from '../../src/domain/ports.js';
import type { PurgeProgress } from '../../src/domain/purge.js';
import type { PurgeRequestRecord } from '../../src/domain/request.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { button, clip, context, header, LIMITS, message, section } from './block-kit.js';
import { ACTION } from './ids.js';

/**
 * Every message the bot shows, as pure functions of state: no I/O, so they are tested without a
 * network. Counts have separators, durations units, people are mentions.
 */

const mention = (userId: string) => `<@${userId}>`;
const SUMMARY_ROWS = 20;

export function describeAccess(list: AccessList): string {
  if (list.kind !== 'list') return list.kind;
  return [...list.users.map(mention), ...list.groups.map((group) => `<!subteam^${group}>`)].join(', ');
}

export interface PreviewOptions {
  /** Null for a dry run: nothing is stored and there is nothing to approve. */
  requestId: number | null;
  requesterId: string;
  approvers: AccessList;
  expiresAt: Date | null;
  /** Only with --force: whether the requester is a break-glass user who may confirm it. */
  selfApproval: 'break-glass' | 'not-break-glass' | null;
  now: Date;
}

export function previewMessage(plan: Plan, options: PreviewOptions): SlackMessage {
  const what = `*${formatCount(plan.matching)}* webhooks with status *${plan.status}*`;
  const { requestId } = options;
  if (requestId === null) {
    return message(`Dry run: ${formatCount(plan.matching)} ${plan.status} webhooks would be deleted. Nothing was deleted.`, [
      header('Dry run: clear telemetry'),
      section(`${mention(options.requesterId)} previewed deleting ${what}. *Dry run: nothing will be deleted.*`),
      planSection(plan),
      summarySection(plan.summary),
    ]);
  }
  return message(`${formatCount(plan.matching)} ${plan.status} webhooks would be deleted: approval needed (request #${requestId}).`, [
    header('Clear telemetry: approval needed'),
    section(`${mention(options.requesterId)} asks to delete ${what} from \`assignments_learnpackwebhook\`.`),
    planSection(plan),
    summarySection(plan.summary),
    context(...approvalNotes(options), expiryNote(options.expiresAt, options.now, requestId)),
    decisionButtons(plan, requestId),
  ]);
}

export function nothingToDeleteMessage(plan: Plan, requesterId: string): SlackMessage {
  return message(`Nothing to delete: no webhooks with status ${plan.status}.`, [
    header('Clear telemetry: nothing to delete'),
    section(`${mention(requesterId)} asked to delete webhooks with status *${plan.status}*, but there are none.`),
    summarySection(plan.summary),
  ]);
}

export function progressMessage(request: PurgeRequestRecord, progress: PurgeProgress, note: RunNote | null = null): SlackMessage {
  const { plan } = request;
  const eta = progress.etaMs === null ? '' : ` · about ${formatDuration(progress.etaMs)} left`;
  const line =
    `\`${bar(progress.deleted, progress.total)}\` *${formatPercent(progress.deleted, progress.total)}*\n` +
    `*${formatCount(progress.deleted)}* of *${formatCount(progress.total)}* deleted · batch ${formatCount(progress.batchesDone)} of ` +
    `${formatCount(progress.batchesTotal)} · ${formatRate(progress.rowsPerSecond)}${eta}`;
  const held = note?.kind === 'paused' || note?.kind === 'held';
  return message(`${held ? 'Paused' : 'Deleting'}: ${formatCount(progress.deleted)} of ${formatCount(progress.total)} ${plan.status} webhooks.`, [
    header(held ? 'Clear telemetry: paused' : 'Clear telemetry: deleting'),
    section(`Deleting *${formatCount(plan.matching)}* webhooks with status *${plan.status}* (id ≤ ${formatCount(plan.watermark ?? 0)}) · ${people(request)}`),
    section(line),
    context(...(note ? [`${NOTE_LABEL[note.kind]}: ${note.text}`] : []), `Request #${request.id}`),
    runButtons(request, note?.kind === 'paused'),
  ]);
}

/** Approved, but another request is running on the table: it starts when that one ends. */
export function queuedMessage(request: PurgeRequestRecord, behind: PurgeRequestRecord | null): SlackMessage {
  const text = `Queued behind ${behind ? `request #${behind.id}` : 'another run'}: it starts when that one finishes.`;
  return message(text, [
    header('Clear telemetry: queued'),
    section(`*${formatCount(request.plan.matching)}* webhooks with status *${request.plan.status}* (id ≤ ${formatCount(request.plan.watermark ?? 0)}) · ${people(request)}`),
    section(text),
    planSection(request.plan),
    context(`Request #${request.id}`),
    { type: 'actions', block_id: `clear_telemetry_queued_${request.id}`, elements: [button('Cancel', ACTION.stop, String(request.id))] },
  ]);
}

/** How a run ended (succeeded, stopped, failed or interrupted), from the ledger alone. */
export function resultMessage(request: PurgeRequestRecord): SlackMessage {
  const title = { succeeded: 'done', stopped: 'stopped', failed: 'failed', interrupted: 'interrupted' }[endState(request)];
  const resumable = request.state === 'failed' || request.state === 'interrupted';
  return message(resultSentence(request), [
    header(`Clear telemetry: ${title}`),
    section(`${resultSentence(request, true)} · ${people(request)}`),
    context(
      ...(request.fallbackReason ? [`Fell back to batches: ${request.fallbackReason}`] : []),
      `Watermark id ≤ ${formatCount(request.plan.watermark ?? 0)}: nothing newer was touched · Request #${request.id}`,
    ),
    ...(resumable
      ? [
          section(`*Resume* continues after id ${formatCount(request.position.lastId ?? 0)} with the same watermark (an approver).`),
          { type: 'actions' as const, block_id: `clear_telemetry_resume_${request.id}`, elements: [button('Resume', ACTION.resume, String(request.id), 'primary')] },
        ]
      : []),
  ]);
}

/** A request that ended without running: cancelled or expired. */
export function closedMessage(request: PurgeRequestRecord): SlackMessage {
  const sentence = closedSentence(request);
  return message(sentence, [
    header(`Clear telemetry: ${request.state === 'expired' ? 'expired' : 'cancelled'}`),
    section(`${sentence} It asked to delete *${formatCount(request.plan.matching)}* webhooks with status *${request.plan.status}* for ${mention(request.requesterId)}.`),
    planSection(request.plan),
    context(`Request #${request.id}`),
  ]);
}

/** Thread replies: the permanent record under the preview, one per state change. */
export const reply = {
  approved(request: PurgeRequestRecord): SlackMessage {
    return textMessage(
      request.selfApproved
        ? `:white_check_mark: Self-approved by ${mention(request.approverId ?? request.requesterId)} (break-glass, --force).`
        : `:white_check_mark: Approved by ${mention(request.approverId ?? '')}.`,
    );
  },
  queued(request: PurgeRequestRecord, behind: PurgeRequestRecord | null): SlackMessage {
    return textMessage(`:hourglass_flowing_sand: Queued behind ${behind ? `request #${behind.id}` : 'another run'} on the same table.`);
  },
  started(request: PurgeRequestRecord): SlackMessage {
    const { plan, position } = request;
    if (position.lastId !== null) {
      return textMessage(
        `:arrow_forward: Resumed after id ${formatCount(position.lastId)} (${formatCount(position.deleted)} of ${formatCount(plan.matching)} already deleted), same watermark id ≤ ${formatCount(plan.watermark ?? 0)}.`,
      );
    }
    const how = plan.method === 'batch' ? `batch, ${formatCount(plan.batches)} batches of ${formatCount(plan.batchSize)} ids` : 'one statement';
    return textMessage(
      `:arrow_forward: Started deleting ${formatCount(plan.matching)} webhooks with status ${plan.status}, id ≤ ${formatCount(plan.watermark ?? 0)} (${how}).`,
    );
  },
  note(note: RunNote): SlackMessage {
    return textMessage(`${note.kind === 'fallback' ? ':warning:' : ':double_vertical_bar:'} ${NOTE_LABEL[note.kind]}: ${note.text}.`);
  },
  continued(): SlackMessage {
    return textMessage(':arrow_forward: Continuing.');
  },
  resumedBy(by: string): SlackMessage {
    return textMessage(`:arrow_forward: Resume requested by ${mention(by)}.`);
  },
  stopRequested(by: string): SlackMessage {
    return textMessage(`:octagonal_sign: Stop requested by ${mention(by)}; the run stops after its current batch.`);
  },
  finished(request: PurgeRequestRecord): SlackMessage {
    const icon = { succeeded: ':white_check_mark:', stopped: ':octagonal_sign:', failed: ':x:', interrupted: ':warning:' }[endState(request)];
    return textMessage(`${icon} ${resultSentence(request)} · ${people(request)}`);
  },
  closed(request: PurgeRequestRecord): SlackMessage {
    return textMessage(`:no_entry_sign: ${closedSentence(request)}`);
  },
};

const NOTE_LABEL: Record<RunNote['kind'], string> = {
  fallback: 'Fell back to batches',
  retry: 'Adjusting',
  held: 'Holding',
  paused: 'Paused',
};

type EndState = 'succeeded' | 'stopped' | 'failed' | 'interrupted';

function endState(request: PurgeRequestRecord): EndState {
  return (['succeeded', 'stopped', 'failed', 'interrupted'] as const).find((state) => state === request.state) ?? 'failed';
}

function resultSentence(request: PurgeRequestRecord, bold = false): string {
  const b = (text: string) => (bold ? `*${text}*` : text);
  const { plan, position } = request;
  const what = `records with status ${b(plan.status)}`;
  const sofar = `${b(formatCount(position.deleted))} of ${b(formatCount(plan.matching))} ${what}`;
  const how = howItRan({
    durationMs: (request.finishedAt ?? request.heartbeatAt ?? request.startedAt ?? request.createdAt).getTime() - (request.startedAt ?? request.createdAt).getTime(),
    method: request.methodUsed === 'native' ? 'native' : request.methodUsed === 'batch' ? 'batch' : plan.method,
    batches: position.batches,
  });
  const error = clip(request.error ?? 'unknown error', 500);
  switch (endState(request)) {
    case 'succeeded':
      return `Deleted ${b(formatCount(position.deleted))} ${what} ${how}`;
    case 'stopped':
      return `Stopped${request.stopRequestedBy ? ` by ${mention(request.stopRequestedBy)}` : ''} after ${sofar} ${how}`;
    case 'failed':
      return `Failed after deleting ${sofar} ${how}: ${error}. Deleted rows stay deleted`;
    case 'interrupted':
      return `Interrupted after deleting ${sofar}: ${error}`;
  }
}

function closedSentence(request: PurgeRequestRecord): string {
  if (request.state === 'expired') {
    return `Expired at ${formatTimestamp(request.expiresAt ?? request.decidedAt ?? new Date())} without approval. Nothing was deleted.`;
  }
  return `Cancelled by ${mention(request.decidedBy ?? '')}. Nothing was deleted.`;
}

function people(request: PurgeRequestRecord): string {
  const asked = `requested by ${mention(request.requesterId)}`;
  if (!request.approverId) return asked;
  return request.selfApproved ? `${asked} · self-approved (break-glass)` : `${asked} · approved by ${mention(request.approverId)}`;
}

function planSection(plan: Plan): KnownBlock {
  const lines = [
    `*Matching:* ${formatCount(plan.matching)} rows`,
    `*Watermark:* id ≤ ${formatCount(plan.watermark ?? 0)} (rows added later are kept)`,
  ];
  if (plan.oldest && plan.newest) lines.push(`*Created:* ${formatTimestamp(plan.oldest)} to ${formatTimestamp(plan.newest)}`);
  lines.push(`*Method:* ${plan.method}, because ${plan.methodReason}`);
  lines.push(
    plan.method === 'batch'
      ? `*Batches:* ${formatCount(plan.batches)} of ${formatCount(plan.batchSize)} ids each`
      : `*Batches:* one statement (falls back to batches of ${formatCount(plan.batchSize)} ids if it times out)`,
  );
  lines.push(`*Estimated time:* ${formatDuration(plan.estimatedMs)}`);
  return section(lines.join('\n'));
}

function summarySection(summary: StatusSummary): KnownBlock {
  const shown = summary.rows.slice(0, SUMMARY_ROWS);
  const width = Math.max(5, ...shown.map((row) => row.status.length));
  const numbers = Math.max(...[...shown.map((row) => row.count), summary.total].map((n) => formatCount(n).length));
  const line = (label: string, n: number) => `${label.padEnd(width)}  ${formatCount(n).padStart(numbers)}`;
  const more = summary.rows.length > SUMMARY_ROWS ? [`(${summary.rows.length - SUMMARY_ROWS} more statuses)`] : [];
  const table = [...shown.map((row) => line(clip(row.status, 40), row.count)), ...more, line('Total', summary.total)].join('\n');
  return section(clip(`*Status summary*\n\`\`\`${table}\`\`\``, LIMITS.text));
}

function approvalNotes(options: PreviewOptions): string[] {
  const notes =
    options.approvers.kind === 'nobody'
      ? ['*Nobody can approve:* CLEAR_TELEMETRY_APPROVERS is not set.']
      : [`*Who can approve:* ${describeAccess(options.approvers)} (someone other than ${mention(options.requesterId)})`];
  if (options.selfApproval === 'break-glass') notes.push(`${mention(options.requesterId)} may confirm it themselves (break-glass, --force).`);
  if (options.selfApproval === 'not-break-glass') notes.push(`--force changes nothing here: ${mention(options.requesterId)} is not a break-glass user.`);
  return notes;
}

function expiryNote(expiresAt: Date | null, now: Date, requestId: number): string {
  const expiry = expiresAt ? `Expires ${formatTimestamp(expiresAt)} (in ${formatDuration(expiresAt.getTime() - now.getTime())})` : 'Never expires';
  return `${expiry} · Request #${requestId}`;
}

function runButtons(request: PurgeRequestRecord, paused: boolean): ActionsBlock {
  const value = String(request.id);
  return {
    type: 'actions',
    block_id: `clear_telemetry_run_${request.id}_${paused ? 'paused' : 'running'}`,
    elements: [
      {
        ...button('Stop', ACTION.stop, value, 'danger'),
        confirm: {
          title: { type: 'plain_text', text: 'Stop this purge?' },
          text: { type: 'mrkdwn', text: 'The run stops after its current batch. Rows already deleted stay deleted.' },
          confirm: { type: 'plain_text', text: 'Stop' },
          deny: { type: 'plain_text', text: 'Keep going' },
          style: 'danger',
        },
      },
      paused ? button('Continue', ACTION.continue, value, 'primary') : button('Pause', ACTION.pause, value),
    ],
  };
}

function decisionButtons(plan: Plan, requestId: number): ActionsBlock {
  const value = String(requestId);
  return {
    type: 'actions',
    block_id: `clear_telemetry_decision_${requestId}`,
    elements: [
      {
        ...button('Confirm', ACTION.confirm, value, 'danger'),
        confirm: {
          title: { type: 'plain_text', text: clip(`Delete ${formatCount(plan.matching)} webhooks?`, 100) },
          text: {
            type: 'mrkdwn',
            text: clip(
              `This deletes ${formatCount(plan.matching)} webhooks with status ${plan.status} and id ≤ ${formatCount(plan.watermark ?? 0)}. It cannot be undone.`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: 'Delete' },
          deny: { type: 'plain_text', text: 'Back' },
          style: 'danger',
        },
      },
      button('Cancel', ACTION.cancel, value),
    ],
  };
}

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function textMessage(text: string): SlackMessage {
  return message(text, [section(text)]);
}
