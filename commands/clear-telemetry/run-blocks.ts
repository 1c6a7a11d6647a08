import type { ActionsBlock, KnownBlock } from '@slack/types';
import { formatCount, formatDuration, formatPercent, formatRate } from '../../src/domain/wording/format.js';
import type { PurgeProgress } from '../../src/domain/ports.js';
import type { RunNote } from '../../src/domain/run-ports.js';
import { runAccount, type PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { button, context, escapeMrkdwn, header, message, section } from './block-kit.js';
import { notRespondingText, noteText, people, resultSentence, targetLine, verbOf } from './sentences.js';
import { NOTE_LABEL } from '../../src/domain/wording/sentences.js';
import type { Target } from '../../src/domain/wording/sentences.js';
import { ACTION } from './ids.js';
import { planSection } from './preview-blocks.js';

/** The request's message while it waits for the table, runs, and once it has run. Pure functions of state. */

export function progressMessage(
  request: PurgeRequestRecord,
  progress: PurgeProgress,
  target: Target,
  note: RunNote | null = null,
): SlackMessage {
  const { plan } = request;
  const waiting = note?.kind === 'paused' || note?.kind === 'held';
  // While paused or held nothing moves, so no time left can be promised.
  const eta = waiting || progress.etaMs === null ? '' : ` · about ${formatDuration(progress.etaMs)} left`;
  const rate = waiting ? '' : ` · ${formatRate(progress.rowsPerSecond)}`;
  // Ids covered, not batches: batch sizes adapt, so a batch count would jump about.
  const covered =
    progress.lastId === null
      ? 'starting'
      : `ids up to ${formatCount(progress.lastId)} of ${formatCount(plan.watermark ?? 0)} covered`;
  const verb = verbOf(request);
  const line =
    `\`${bar(progress.deleted, progress.total)}\` *${formatPercent(progress.deleted, progress.total)}*\n` +
    `*${formatCount(progress.deleted)}* of *${formatCount(progress.total)}* ${verb.done} · ${covered}${rate}${eta}`;
  const title = note?.kind === 'paused' ? 'paused' : note?.kind === 'held' ? 'holding' : verb.ing.toLowerCase();
  return message(
    `${waiting ? `${NOTE_LABEL[note.kind]}` : verb.ing}: ${formatCount(progress.deleted)} of ${verb.what(plan, progress.total, false)}.`,
    [
      header(`Clear telemetry: ${title}`),
      context(targetLine(target)),
      section(`${verb.ing} ${verb.what(plan)} (${idRange(request)}) · ${people(request)}`),
      section(line),
      context(...(note ? [`${NOTE_LABEL[note.kind]}: ${noteText(note)}`] : []), `Request #${request.id}`),
      runButtons(request, note?.kind === 'paused'),
    ],
  );
}

/**
 * A run whose process stopped answering: no Stop or Pause (nothing would obey them), the counts the
 * ledger recorded rather than the last edit's, and what happens next.
 */
export function unresponsiveMessage(request: PurgeRequestRecord, target: Target): SlackMessage {
  const verb = verbOf(request);
  const text = notRespondingText(request);
  return message(text.replaceAll('*', ''), [
    header('Clear telemetry: not responding'),
    context(targetLine(target)),
    section(`${verb.ing} ${verb.what(request.plan)} (${idRange(request)}) · ${people(request)}`),
    section(`:warning: ${text}`),
    context(`Request #${request.id}${request.runnerId ? ` · runner \`${escapeMrkdwn(request.runnerId)}\`` : ''}`),
  ]);
}

/** Posted for a request that has no message (a terminal run) when it is resumed from Slack. */
export function resumingMessage(request: PurgeRequestRecord, target: Target): SlackMessage {
  const verb = verbOf(request);
  const text = `Resuming request #${request.id}: ${formatCount(request.position.deleted)} of ${verb.what(request.plan, request.plan.matching, false)} ${verb.done} so far.`;
  return message(text, [
    header(`Clear telemetry: resuming`),
    context(targetLine(target)),
    section(`Resuming ${verb.what(request.plan)} (${idRange(request)}) · ${people(request)}`),
    context(`Request #${request.id}`),
  ]);
}

/** "id ≤ 60,000", or for a restore "archive ids ≤ 1,234". */
function idRange(request: PurgeRequestRecord): string {
  return `${request.kind === 'restore' ? 'archive ids' : 'id'} ≤ ${formatCount(request.plan.watermark ?? 0)}`;
}

/** Approved, but another request is running on the table: it starts when that one ends. */
export function queuedMessage(
  request: PurgeRequestRecord,
  behind: PurgeRequestRecord | null,
  target: Target,
): SlackMessage {
  const text = `Queued behind ${behind ? `request #${behind.id}` : 'another run'}: it starts when that one finishes.`;
  return message(text, [
    header('Clear telemetry: queued'),
    context(targetLine(target)),
    section(
      `${verbOf(request).what(request.plan)} (id ≤ ${formatCount(request.plan.watermark ?? 0)}) · ${people(request)}`,
    ),
    section(text),
    ...(request.kind === 'restore' ? [] : [planSection(request.plan)]),
    context(`Request #${request.id}`),
    {
      type: 'actions',
      block_id: `clear_telemetry_queued_${request.id}`,
      elements: [button('Cancel', ACTION.cancel, String(request.id))],
    },
  ]);
}

/** How a run ended (succeeded, stopped, failed or interrupted), from the ledger alone. */
export function resultMessage(
  request: PurgeRequestRecord,
  target: Target,
  restoredBy: number | null = null,
): SlackMessage {
  const title = { succeeded: 'done', stopped: 'stopped', failed: 'failed', interrupted: 'interrupted' }[
    runAccount(request).endState
  ];
  const resumable = ['failed', 'interrupted', 'stopped'].includes(request.state);
  return message(resultSentence(request), [
    header(`Clear telemetry: ${request.kind === 'restore' ? `restore ${title}` : title}`),
    context(targetLine(target)),
    section(`${resultSentence(request, true)} · ${people(request)}`),
    context(
      ...(request.fallbackReason ? [`Fell back to batches: ${request.fallbackReason}`] : []),
      request.kind === 'restore'
        ? `Rows archived by request #${request.restoreOf ?? '?'} · Request #${request.id}`
        : `Watermark id ≤ ${formatCount(request.plan.watermark ?? 0)}: nothing newer was touched · Request #${request.id}`,
    ),
    ...archivedNote(request, restoredBy),
    ...(resumable
      ? [
          section(
            `*Resume* continues after ${request.kind === 'restore' ? 'archive ' : ''}id ${formatCount(request.position.lastId ?? 0)} with the same watermark and plan (an approver), or type \`/clear-telemetry resume ${request.id}\`.`,
          ),
          {
            type: 'actions' as const,
            block_id: `clear_telemetry_resume_${request.id}`,
            elements: [button('Resume', ACTION.resume, String(request.id), 'primary')],
          },
        ]
      : []),
  ]);
}

/** An archived run's deleted rows can come back: for how long, and how. */
function archivedNote(request: PurgeRequestRecord, restoredBy: number | null): KnownBlock[] {
  const { undo } = request.plan;
  if (undo.kind !== 'archive' || request.position.deleted === 0) return [];
  if (restoredBy !== null) {
    return [
      section(
        `:leftwards_arrow_with_hook: *Restored* by request #${restoredBy}: the archived rows are back in the table.`,
      ),
    ];
  }
  return [
    section(
      `:package: *Archived:* the ${formatCount(request.position.deleted)} deleted rows are restorable for ${formatCount(undo.days)} days: ` +
        `*Restore* (or \`/clear-telemetry restore ${request.id}\`) previews putting them back with their ids, for a second person to approve.`,
    ),
    {
      type: 'actions',
      block_id: `clear_telemetry_restore_${request.id}`,
      elements: [button('Restore', ACTION.restore, String(request.id))],
    },
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

function bar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}
