import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { AccessList } from '../../src/domain/request/access.js';
import type { Policy } from '../../src/domain/policy/policy.js';
import { formatCount, formatDuration, formatTimestamp } from '../../src/domain/wording/format.js';
import type { Plan, StatusSummary } from '../../src/domain/plan/plan.js';
import { type PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { button, clip, context, escapeMrkdwn, header, LIMITS, message, section } from './block-kit.js';
import { closedSentence, mention, namePeople, slackAgo, slackDate, targetLine, verbOf, webhooks } from './sentences.js';
import {
  nothingToDelete,
  livePendingAgeMs,
  type Target,
  gateSentences,
  batchesSentence,
  undoSentence,
} from '../../src/domain/wording/sentences.js';
import { ACTION } from './ids.js';
import type { ArchiveSurvey } from '../../src/domain/ports.js';

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
  /** Who may approve a plan over the row cap, and their own --force request. */
  breakGlass: AccessList;
  expiresAt: Date | null;
  /** Only with --force: whether the requester is a break-glass user who may confirm it. */
  selfApproval: 'break-glass' | 'not-break-glass' | null;
  now: Date;
  target: Target;
  /** `--reason`, as typed: user text, escaped here. */
  reason?: string | null;
  /** A retention policy's scheduled request: which policy, for which slot, and whether it approves it itself. */
  policy?: { policy: Policy; slotAt: Date; autoApproves: boolean };
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
  const auto = options.policy?.autoApproves === true;
  return message(
    `${webhooks(plan, plan.matching, false)} would be deleted: ${auto ? 'approved by its policy' : 'approval needed'} (request #${requestId}).`,
    [
      header(auto ? 'Clear telemetry: scheduled' : 'Clear telemetry: approval needed'),
      context(targetLine(options.target)),
      section(`${mention(options.requesterId)} asks to delete ${what} from \`assignments_learnpackwebhook\`.`),
      ...(options.policy ? [context(scheduledBy(options.policy.policy, options.policy.slotAt))] : []),
      ...reasonSection(options.reason),
      ...livePendingWarning(plan),
      section(nextStep(plan, options)),
      planSection(plan),
      summarySection(plan.summary),
      context(...selfApprovalNotes(options), `Request #${requestId}`),
      // The policy approves it as it is posted: no button would stay true for more than a moment.
      ...(auto ? [] : [decisionButtons(plan, requestId, options.target)]),
    ],
  );
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
      ...reasonSection(options.reason),
      section(nextStep(plan, options)),
      section(lines.join('\n')),
      context(`Request #${options.requestId} · restores request #${purge.id}`),
      decisionButtons(plan, options.requestId, options.target, 'restore'),
    ],
  );
}

/** Nothing to approve: what the gates kept out, always, even when nothing is left. */
export function nothingToDeleteMessage(plan: Plan, requesterId: string, target: Target): SlackMessage {
  const sentence = nothingToDelete(plan);
  const status = plan.status === 'ALL' ? 'webhooks' : `webhooks with status *${plan.status}*`;
  const gated = plan.kept > 0 && plan.cutoff !== null;
  return message(`Nothing to delete: ${sentence}.`, [
    header('Clear telemetry: nothing to delete'),
    context(targetLine(target)),
    section(`${mention(requesterId)} asked to delete ${status}, but ${gated ? `none can be: ${sentence}` : sentence}.`),
    summarySection(plan.summary),
  ]);
}

/** A request that ended without running: cancelled or expired. */
export function closedMessage(request: PurgeRequestRecord, target: Target): SlackMessage {
  const sentence = closedSentence(request);
  return message(sentence, [
    header(`Clear telemetry: ${request.state === 'expired' ? 'expired' : 'cancelled'}`),
    context(targetLine(target)),
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
      ? `*Batches:* ${batchesSentence(plan)}, sized to their target time`
      : `*Batches:* one statement (falls back to batches aimed at up to ${formatCount(plan.batchSize)} rows each if it times out)`,
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

/**
 * The next action, in the message itself: the people who can really approve it (over the row cap,
 * only break-glass users; never the requester, unless they asked with --force as a break-glass
 * user), and by when.
 */
function nextStep(plan: Pick<Plan, 'overCap' | 'matching'>, options: PreviewOptions): string {
  const overCap = plan.overCap !== null;
  const scheduled = options.policy;
  if (scheduled?.autoApproves) {
    return `*Approved by its policy:* within its max_rows of ${formatCount(scheduled.policy.maxRows ?? 0)} and every gate; it starts now.`;
  }
  const why =
    scheduled && scheduled.policy.approval === 'auto'
      ? ` · policy \`${scheduled.policy.name}\` approves up to ${formatCount(scheduled.policy.maxRows ?? 0)} rows itself${overCap ? ', within the row cap' : ''}, and this plan has ${formatCount(plan.matching)}${overCap ? ` over the cap of ${formatCount(plan.overCap ?? 0)}` : ''}`
      : '';
  const list = overCap ? options.breakGlass : options.approvers;
  const self = options.selfApproval === 'break-glass';
  const expiry = options.expiresAt ? ` · expires ${slackDate(options.expiresAt)} (${slackAgo(options.expiresAt)})` : '';
  if (list.kind === 'nobody' && !self) {
    return overCap
      ? `*Nobody can approve this yet:* it is over the row cap of ${formatCount(plan.overCap ?? 0)}, which only break-glass users may approve, and none are set up (CLEAR_TELEMETRY_BREAK_GLASS).`
      : "*Nobody can approve yet:* the bot's approvers (CLEAR_TELEMETRY_APPROVERS) are not set.";
  }
  // Groups cannot leave the requester out by name: say so beside them (a policy is in no group).
  const notRequester =
    !self && !scheduled && list.kind === 'list' && list.groups.length > 0
      ? ` (not ${mention(options.requesterId)})`
      : '';
  const others = list.kind === 'nobody' ? null : `${namePeople(list, options.requesterId)}${notRequester}`;
  const who = [others, self ? `${mention(options.requesterId)} (break-glass, --force)` : null]
    .filter(Boolean)
    .join(', or ');
  const cap = overCap ? ` (over the row cap of ${formatCount(plan.overCap ?? 0)}: break-glass users only)` : '';
  return `*Needs approval from ${who}*${cap}${expiry}${why}`;
}

/** The requester's `--reason`, escaped: it is user text. */
function reasonSection(reason: string | null | undefined): KnownBlock[] {
  return reason ? [section(`*Reason:* ${escapeMrkdwn(reason)}`)] : [];
}

/** "Scheduled by policy `nightly-done` (`0 3 * * *`, Europe/Madrid) for its slot of …: `--status DONE`". */
function scheduledBy(policy: Policy, slotAt: Date): string {
  return `Scheduled by policy \`${policy.name}\` (\`${escapeMrkdwn(policy.schedule)}\`, ${escapeMrkdwn(policy.timezone)}) for its slot of ${slackDate(slotAt)}: \`${escapeMrkdwn(policy.flags)}\``;
}

function selfApprovalNotes(options: PreviewOptions): string[] {
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

/** Approve (with a confirmation dialog that names the database again) and Cancel. */
function decisionButtons(
  plan: Plan,
  requestId: number,
  target: Target,
  kind: 'purge' | 'restore' = 'purge',
): ActionsBlock {
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
                ? `This inserts ${webhooks(plan, plan.matching, false)} back into ${targetLine(target)}, with their original ids; ids taken again are skipped.`
                : `This deletes ${webhooks(plan, plan.matching, false)} with id ≤ ${formatCount(plan.watermark ?? 0)} from ${targetLine(target)}. ${plan.undo.kind === 'archive' ? `They are archived, restorable for ${formatCount(plan.undo.days)} days.` : 'It cannot be undone.'}`,
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
