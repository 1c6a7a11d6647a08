import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { AccessList } from '../../src/domain/access.js';
import { formatCount, formatDuration, formatPercent, formatRate, formatTimestamp } from '../../src/domain/format.js';
import type { Plan, StatusSummary } from '../../src/domain/plan.js';
import type { RunNote } from '../../src/domain/ports.js';
import type { PurgeProgress } from '../../src/domain/purge.js';
import type { PurgeRequestRecord } from '../../src/domain/request.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { button, clip, context, escapeMrkdwn, header, LIMITS, message, section } from './block-kit.js';
import { closedSentence, endState, mention, NOTE_LABEL, people, resultSentence } from './sentences.js';
import { ACTION } from './ids.js';

/**
 * Every message the bot shows, as pure functions of state: no I/O, so they are tested without a
 * network. Counts have separators, durations units, people are mentions.
 */

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
    { type: 'actions', block_id: `clear_telemetry_queued_${request.id}`, elements: [button('Cancel', ACTION.cancel, String(request.id))] },
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

function planSection(plan: Plan): KnownBlock {
  const lines = [
    `*Matching:* ${formatCount(plan.matching)} rows`,
    `*Watermark:* id ≤ ${formatCount(plan.watermark ?? 0)} (rows added or changed later are kept)`,
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
  // Statuses are whatever the Django app wrote: escaped, so none can become markup.
  return section(clip(`*Status summary*\n\`\`\`${escapeMrkdwn(table)}\`\`\``, LIMITS.text));
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

