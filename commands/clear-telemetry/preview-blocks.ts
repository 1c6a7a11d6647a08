import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { AccessList } from '../../src/domain/request/access.js';
import { formatCount, formatDuration, formatTimestamp } from '../../src/domain/wording/format.js';
import type { Plan, StatusSummary } from '../../src/domain/plan/plan.js';
import { type PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { ArchiveSurvey } from '../../src/domain/undo/restore.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { button, clip, context, escapeMrkdwn, header, LIMITS, message, section } from './block-kit.js';
import { closedSentence, mention, namePeople, slackDate, targetLine, verbOf, webhooks } from './sentences.js';
import {
  livePendingAgeMs,
  type Target,
  gateSentences,
  batchesSentence,
  undoSentence,
} from '../../src/domain/wording/sentences.js';
import { ACTION } from './ids.js';

/**
 * The request's own message before a run: the preview with Confirm and Cancel, and how it reads
 * once cancelled or expired. Pure functions of state, tested without a network; counts have
 * separators, people are mentions.
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

/** What a restore would put back, for a second person to approve: the rows, their ids, the ids taken again, the expiry. */
export function restorePreviewMessage(
  purge: PurgeRequestRecord,
  survey: ArchiveSurvey,
  plan: Plan,
  options: PreviewOptions & { requestId: number },
): SlackMessage {
  const verb = verbOf({ kind: 'restore', restoreOf: purge.id });
  const lines = [
    `*Archived rows:* ${formatCount(survey.rows)}, ids ${formatCount(survey.minRowId ?? 0)} to ${formatCount(survey.maxRowId ?? 0)}, each with its original id and every column as archived`,
    ...(survey.taken > 0
      ? [
          `*Taken again:* ${formatCount(survey.taken)} of these ids hold new rows now; those are skipped, counted, and stay in the archive`,
        ]
      : []),
    ...(survey.expiresAt ? [`*Archive expires:* ${slackDate(survey.expiresAt)}`] : []),
  ];
  const back = survey.rows - survey.taken;
  return message(
    `${verb.what(plan, back, false)} would be restored: approval needed (request #${options.requestId}).`,
    [
      header('Clear telemetry: restore, approval needed'),
      context(targetLine(options.target)),
      section(
        `${mention(options.requesterId)} asks to restore ${verb.what(plan, back)} into \`assignments_learnpackwebhook\`.`,
      ),
      section(nextStep(options)),
      section(lines.join('\n')),
      context(`Request #${options.requestId} · restores request #${purge.id}`),
      decisionButtons(plan, options.requestId, 'restore'),
    ],
  );
}

export function nothingToDeleteMessage(plan: Plan, requesterId: string, target: Target): SlackMessage {
  const status = plan.status === 'ALL' ? 'webhooks' : `webhooks with status *${plan.status}*`;
  return message(
    `Nothing to delete: no ${plan.status === 'ALL' ? 'webhooks' : `webhooks with status ${plan.status}`}.`,
    [
      header('Clear telemetry: nothing to delete'),
      context(targetLine(target)),
      section(`${mention(requesterId)} asked to delete ${status}, but there are none.`),
      summarySection(plan.summary),
    ],
  );
}

/** A request that ended without running: cancelled or expired. */
export function closedMessage(request: PurgeRequestRecord): SlackMessage {
  const sentence = closedSentence(request);
  return message(sentence, [
    header(`Clear telemetry: ${request.state === 'expired' ? 'expired' : 'cancelled'}`),
    section(
      `${sentence} It asked to ${verbOf(request).base} ${verbOf(request).what(request.plan)} for ${mention(request.requesterId)}.`,
    ),
    ...(request.kind === 'restore' ? [] : [planSection(request.plan)]),
    context(`Request #${request.id}`),
  ]);
}

export function planSection(plan: Plan): KnownBlock {
  const lines = [
    `*Matching:* ${formatCount(plan.matching)} rows`,
    `*Watermark:* id ≤ ${formatCount(plan.watermark ?? 0)} (rows added or changed later are kept)`,
  ];
  if (plan.oldest && plan.newest)
    lines.push(`*Created:* ${formatTimestamp(plan.oldest)} to ${formatTimestamp(plan.newest)}`);
  lines.push(...gateSentences(plan).map((sentence) => `*Gate:* ${sentence}`));
  lines.push(`*Method:* ${plan.method}, because ${plan.methodReason}`);
  lines.push(
    plan.method === 'batch'
      ? `*Batches:* ${batchesSentence(plan)}, each sized to its target time`
      : `*Batches:* one statement (falls back to batches of up to ${formatCount(plan.batchSize)} rows if it times out)`,
  );
  lines.push(`*Estimated time:* ${formatDuration(plan.estimatedMs)}`);
  lines.push(`*Undo:* ${undoSentence(plan.undo)}`);
  return section(lines.join('\n'));
}

function summarySection(summary: StatusSummary): KnownBlock {
  const shown = summary.rows.slice(0, SUMMARY_ROWS);
  const width = Math.max(5, ...shown.map((row) => row.status.length));
  const numbers = Math.max(...[...shown.map((row) => row.count), summary.total].map((n) => formatCount(n).length));
  const line = (label: string, n: number) => `${label.padEnd(width)}  ${formatCount(n).padStart(numbers)}`;
  const more = summary.rows.length > SUMMARY_ROWS ? [`(${summary.rows.length - SUMMARY_ROWS} more statuses)`] : [];
  const table = [
    ...shown.map((row) => line(clip(row.status, 40), row.count)),
    ...more,
    line('Total', summary.total),
  ].join('\n');
  // Statuses are whatever the Django app wrote: escaped, so none can become markup.
  return section(clip(`*Status summary*\n\`\`\`${escapeMrkdwn(table)}\`\`\``, LIMITS.text));
}

/** The next action, in the message itself: who must approve, and by when. */
function nextStep(options: PreviewOptions): string {
  if (options.approvers.kind === 'nobody')
    return "*Nobody can approve yet:* the bot's approvers (CLEAR_TELEMETRY_APPROVERS) are not set.";
  const expiry = options.expiresAt
    ? ` · expires ${slackDate(options.expiresAt)} (in ${formatDuration(options.expiresAt.getTime() - options.now.getTime())})`
    : '';
  return `*Needs approval from ${namePeople(options.approvers)}* (not ${mention(options.requesterId)})${expiry}`;
}

function selfApprovalNotes(options: PreviewOptions): string[] {
  if (options.selfApproval === 'break-glass')
    return [`${mention(options.requesterId)} may approve it themselves (break-glass, --force).`];
  if (options.selfApproval === 'not-break-glass')
    return [`--force changes nothing here: ${mention(options.requesterId)} is not a break-glass user.`];
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

function decisionButtons(plan: Plan, requestId: number, kind: 'purge' | 'restore' = 'purge'): ActionsBlock {
  const value = String(requestId);
  const restore = kind === 'restore';
  return {
    type: 'actions',
    block_id: `clear_telemetry_decision_${requestId}`,
    elements: [
      {
        ...button(
          restore ? 'Approve and restore' : 'Approve and delete',
          ACTION.confirm,
          value,
          restore ? 'primary' : 'danger',
        ),
        confirm: {
          title: {
            type: 'plain_text',
            text: clip(`${restore ? 'Restore' : 'Delete'} ${formatCount(plan.matching)} webhooks?`, 100),
          },
          text: {
            type: 'mrkdwn',
            text: clip(
              restore
                ? `This inserts ${webhooks(plan, plan.matching, false)} back with their original ids; ids taken again are skipped.`
                : `This deletes ${webhooks(plan, plan.matching, false)} with id ≤ ${formatCount(plan.watermark ?? 0)}. ${plan.undo.kind === 'archive' ? `They are archived, restorable for ${formatCount(plan.undo.days)} days.` : 'It cannot be undone.'}`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: restore ? 'Restore' : 'Delete' },
          deny: { type: 'plain_text', text: 'Back' },
          ...(restore ? {} : { style: 'danger' as const }),
        },
      },
      button('Cancel', ACTION.cancel, value),
    ],
  };
}
