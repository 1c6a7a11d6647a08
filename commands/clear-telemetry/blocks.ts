import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { AccessList } from '../../src/domain/access.js';
import { formatCount, formatDuration, formatPercent, formatRate, formatTimestamp } from '../../src/domain/format.js';
import type { Plan, StatusSummary } from '../../src/domain/plan.js';
import type { RunNote } from '../../src/domain/run-ports.js';
import type { PurgeProgress } from '../../src/domain/ports.js';
import { runAccount, type PurgeRequestRecord } from '../../src/domain/request.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { button, clip, context, escapeMrkdwn, header, LIMITS, message, section } from './block-kit.js';
import { closedSentence, mention, namePeople, NOTE_LABEL, noteText, people, resultSentence, slackDate, targetLine, webhooks } from './sentences.js';
import { livePendingAgeMs, type Target } from '../../src/domain/describe.js';
import { ACTION } from './ids.js';

/**
 * Every message the bot shows, as pure functions of state: no I/O, so they are tested without a
 * network. Counts have separators, durations units, people are mentions.
 */

const SUMMARY_ROWS = 20;


export interface PreviewOptions {
  /** Null for a dry run: nothing is stored and there is nothing to approve. */
  requestId: number | null;
  requesterId: string;
  approvers: AccessList;
  expiresAt: Date | null;
  /** Only with --force: whether the requester is a break-glass user who may confirm it. */
  selfApproval: 'break-glass' | 'not-break-glass' | null;
  now: Date;
  target: Target;
}

export function previewMessage(plan: Plan, options: PreviewOptions): SlackMessage {
  const what = webhooks(plan);
  const { requestId } = options;
  if (requestId === null) {
    return message(`Dry run: ${webhooks(plan, plan.matching, false)} would be deleted. Nothing was deleted.`, [
      header('Dry run: clear telemetry'),
      context(targetLine(options.target)),
      section(`${mention(options.requesterId)} previewed deleting ${what}. *Dry run: nothing will be deleted.*`),
      ...livePendingWarning(plan),
      planSection(plan),
      summarySection(plan.summary),
    ]);
  }
  return message(`${webhooks(plan, plan.matching, false)} would be deleted: approval needed (request #${requestId}).`, [
    header('Clear telemetry: approval needed'),
    context(targetLine(options.target)),
    section(`${mention(options.requesterId)} asks to delete ${what} from \`assignments_learnpackwebhook\`.`),
    ...livePendingWarning(plan),
    section(nextStep(options)),
    planSection(plan),
    summarySection(plan.summary),
    context(...selfApprovalNotes(options), `Request #${requestId}`),
    decisionButtons(plan, requestId),
  ]);
}

export function nothingToDeleteMessage(plan: Plan, requesterId: string, target: Target): SlackMessage {
  const status = plan.status === 'ALL' ? 'webhooks' : `webhooks with status *${plan.status}*`;
  return message(`Nothing to delete: no ${plan.status === 'ALL' ? 'webhooks' : `webhooks with status ${plan.status}`}.`, [
    header('Clear telemetry: nothing to delete'),
    context(targetLine(target)),
    section(`${mention(requesterId)} asked to delete ${status}, but there are none.`),
    summarySection(plan.summary),
  ]);
}

export function progressMessage(request: PurgeRequestRecord, progress: PurgeProgress, note: RunNote | null = null): SlackMessage {
  const { plan } = request;
  const eta = progress.etaMs === null ? '' : ` · about ${formatDuration(progress.etaMs)} left`;
  // Ids covered, not batches: batch sizes adapt, so a batch count would jump about.
  const covered = progress.lastId === null ? 'starting' : `ids up to ${formatCount(progress.lastId)} of ${formatCount(plan.watermark ?? 0)} covered`;
  const line =
    `\`${bar(progress.deleted, progress.total)}\` *${formatPercent(progress.deleted, progress.total)}*\n` +
    `*${formatCount(progress.deleted)}* of *${formatCount(progress.total)}* deleted · ${covered} · ${formatRate(progress.rowsPerSecond)}${eta}`;
  const held = note?.kind === 'paused' || note?.kind === 'held';
  return message(`${held ? 'Paused' : 'Deleting'}: ${formatCount(progress.deleted)} of ${webhooks(plan, progress.total, false)}.`, [
    header(held ? 'Clear telemetry: paused' : 'Clear telemetry: deleting'),
    section(`Deleting ${webhooks(plan)} (id ≤ ${formatCount(plan.watermark ?? 0)}) · ${people(request)}`),
    section(line),
    context(...(note ? [`${NOTE_LABEL[note.kind]}: ${noteText(note)}`] : []), `Request #${request.id}`),
    runButtons(request, note?.kind === 'paused'),
  ]);
}

/** Approved, but another request is running on the table: it starts when that one ends. */
export function queuedMessage(request: PurgeRequestRecord, behind: PurgeRequestRecord | null): SlackMessage {
  const text = `Queued behind ${behind ? `request #${behind.id}` : 'another run'}: it starts when that one finishes.`;
  return message(text, [
    header('Clear telemetry: queued'),
    section(`${webhooks(request.plan)} (id ≤ ${formatCount(request.plan.watermark ?? 0)}) · ${people(request)}`),
    section(text),
    planSection(request.plan),
    context(`Request #${request.id}`),
    { type: 'actions', block_id: `clear_telemetry_queued_${request.id}`, elements: [button('Cancel', ACTION.cancel, String(request.id))] },
  ]);
}

/** How a run ended (succeeded, stopped, failed or interrupted), from the ledger alone. */
export function resultMessage(request: PurgeRequestRecord, target?: Target): SlackMessage {
  const title = { succeeded: 'done', stopped: 'stopped', failed: 'failed', interrupted: 'interrupted' }[runAccount(request).endState];
  const resumable = request.state === 'failed' || request.state === 'interrupted';
  return message(resultSentence(request), [
    header(`Clear telemetry: ${title}`),
    ...(target ? [context(targetLine(target))] : []),
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
    section(`${sentence} It asked to delete ${webhooks(request.plan)} for ${mention(request.requesterId)}.`),
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

/** The next action, in the message itself: who must approve, and by when. */
function nextStep(options: PreviewOptions): string {
  if (options.approvers.kind === 'nobody') return '*Nobody can approve yet:* the bot\'s approvers (CLEAR_TELEMETRY_APPROVERS) are not set.';
  const expiry = options.expiresAt ? ` · expires ${slackDate(options.expiresAt)} (in ${formatDuration(options.expiresAt.getTime() - options.now.getTime())})` : '';
  return `*Needs approval from ${namePeople(options.approvers)}* (not ${mention(options.requesterId)})${expiry}`;
}

function selfApprovalNotes(options: PreviewOptions): string[] {
  if (options.selfApproval === 'break-glass') return [`${mention(options.requesterId)} may approve it themselves (break-glass, --force).`];
  if (options.selfApproval === 'not-break-glass') return [`--force changes nothing here: ${mention(options.requesterId)} is not a break-glass user.`];
  return [];
}

/** PENDING rows a few minutes old are still being delivered: said before anything else about the plan. */
function livePendingWarning(plan: Plan): KnownBlock[] {
  const age = livePendingAgeMs(plan);
  if (age === null) return [];
  return [
    section(
      `:warning: *The newest PENDING rows were created ${formatDuration(age)} ago.* They are live webhooks still being delivered: deleting them makes the worker retry and lose that telemetry.`,
    ),
  ];
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
        ...button('Approve and delete', ACTION.confirm, value, 'danger'),
        confirm: {
          title: { type: 'plain_text', text: clip(`Delete ${formatCount(plan.matching)} webhooks?`, 100) },
          text: {
            type: 'mrkdwn',
            text: clip(
              `This deletes ${webhooks(plan, plan.matching, false)} with id ≤ ${formatCount(plan.watermark ?? 0)}. It cannot be undone.`,
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

