import { formatCount } from '../../src/domain/wording/format.js';
import type { Policy } from '../../src/domain/policy/policy.js';
import { runAccount, type PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { message, section } from './block-kit.js';
import {
  closedSentence,
  mention,
  notRespondingText,
  noteText,
  people,
  reasonClause,
  resultSentence,
  verbOf,
} from './sentences.js';
import { batchesSentence, NOTE_LABEL } from '../../src/domain/wording/sentences.js';
import type { RunNote } from '../../src/domain/run-ports.js';

/** Thread replies: the permanent record under the preview, one per state change. */
export const threadReply = {
  approved(request: PurgeRequestRecord): SlackMessage {
    const who = request.selfApproved
      ? `:white_check_mark: Self-approved by ${mention(request.approverId ?? request.requesterId)} (break-glass, --force).`
      : `:white_check_mark: Approved by ${mention(request.approverId ?? '')}.`;
    return textMessage(`${who}${reasonClause(request)}`);
  },
  approvedByPolicy(request: PurgeRequestRecord, policy: Pick<Policy, 'name' | 'maxRows'>): SlackMessage {
    return textMessage(
      `:white_check_mark: Approved by policy \`${policy.name}\` itself: ${formatCount(request.plan.matching)} rows is within its max_rows of ${formatCount(policy.maxRows ?? 0)}, and within every gate.`,
    );
  },
  queued(request: PurgeRequestRecord, behind: PurgeRequestRecord | null): SlackMessage {
    return textMessage(
      `:hourglass_flowing_sand: Queued behind ${behind ? `request #${behind.id}` : 'another run'} on the same table.`,
    );
  },
  started(request: PurgeRequestRecord): SlackMessage {
    const { plan, position } = request;
    const verb = verbOf(request);
    if (position.lastId !== null) {
      return textMessage(
        `:arrow_forward: Resumed after ${request.kind === 'restore' ? 'archive ' : ''}id ${formatCount(position.lastId)} (${formatCount(position.deleted)} of ${formatCount(plan.matching)} already ${verb.done}), same watermark id ≤ ${formatCount(plan.watermark ?? 0)}.`,
      );
    }
    if (request.kind === 'restore')
      return textMessage(
        `:arrow_forward: Started restoring ${verb.what(plan, plan.matching, false)}, with their original ids (any id taken again is skipped).`,
      );
    const how = plan.method === 'batch' ? `batch, ${batchesSentence(plan)}` : 'one statement';
    return textMessage(
      `:arrow_forward: Started deleting ${formatCount(plan.matching)} webhooks with status ${plan.status}, id ≤ ${formatCount(plan.watermark ?? 0)} (${how}).`,
    );
  },
  note(note: RunNote): SlackMessage {
    return textMessage(
      `${note.kind === 'fallback' ? ':warning:' : ':double_vertical_bar:'} ${NOTE_LABEL[note.kind]}: ${noteText(note)}.`,
    );
  },
  continued(): SlackMessage {
    return textMessage(':arrow_forward: Continuing.');
  },
  resumedBy(by: string): SlackMessage {
    return textMessage(`:arrow_forward: Resume requested by ${mention(by)}.`);
  },
  stopRequested(by: string, request: PurgeRequestRecord): SlackMessage {
    return textMessage(
      request.unresponsiveSince
        ? `:octagonal_sign: Stop requested by ${mention(by)}; the run is not responding, so it will not go on (it is marked interrupted shortly).`
        : `:octagonal_sign: Stop requested by ${mention(by)}; the run stops after its current batch.`,
    );
  },
  unresponsive(request: PurgeRequestRecord): SlackMessage {
    return textMessage(`:warning: ${notRespondingText(request)}`);
  },
  recovered(): SlackMessage {
    return textMessage(':arrow_forward: Responding again: the run goes on.');
  },
  restored(restore: PurgeRequestRecord): SlackMessage {
    return textMessage(
      `:leftwards_arrow_with_hook: Restored by request #${restore.id}: ${formatCount(restore.position.deleted)} archived rows are back in the table · ${people(restore)}`,
    );
  },
  finished(request: PurgeRequestRecord): SlackMessage {
    const icon = {
      succeeded: ':white_check_mark:',
      stopped: ':octagonal_sign:',
      failed: ':x:',
      interrupted: ':warning:',
    }[runAccount(request).endState];
    return textMessage(`${icon} ${resultSentence(request)} · ${people(request)}`);
  },
  closed(request: PurgeRequestRecord): SlackMessage {
    return textMessage(`:no_entry_sign: ${closedSentence(request)}`);
  },
};

function textMessage(text: string): SlackMessage {
  return message(text, [section(text)]);
}
