import type { Policy } from '../../src/domain/policy/policy.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import { formatAge } from '../../src/domain/wording/format.js';
import type { Target } from '../../src/domain/wording/sentences.js';
import type { SlackMessage } from '../../src/slack/slack-gateway.js';
import { context, header, message, section } from './block-kit.js';
import { slackDate, targetLine } from './sentences.js';

/**
 * What a retention policy says in its channel about a slot it did not run: skipped (no replica ran
 * then, and it is too late to catch up), or not run because its previous request is still open.
 * Its requests themselves are previews like any other (preview-blocks.ts).
 */

/** A policy's slot missed past the catch-up window: said in its channel, with when it runs next. */
export function policySkippedMessage(
  policy: Policy,
  slotAt: Date,
  next: Date | null,
  catchUpMs: number,
  target: Target,
): SlackMessage {
  const text = `Policy \`${policy.name}\` skipped its slot of ${slackDate(slotAt)}: no replica of the bot was running then, and it is past the catch-up window of ${formatAge(catchUpMs)}.${next ? ` Its next slot is ${slackDate(next)}.` : ''}`;
  return notice('Clear telemetry: policy slot skipped', ':fast_forward:', text, target);
}

/** A policy's slot not run because its previous request is still open: said once. */
export function policyBlockedMessage(
  policy: Policy,
  slotAt: Date,
  open: PurgeRequestRecord,
  target: Target,
): SlackMessage {
  const state =
    open.state === 'awaiting_approval' ? 'awaiting approval' : open.state === 'approved' ? 'queued' : 'running';
  const text =
    `Policy \`${policy.name}\` did not run its slot of ${slackDate(slotAt)}: its request #${open.id} from an earlier slot is still ${state}. ` +
    'It adds no other request until that one is done, and says this once.';
  return notice('Clear telemetry: policy slot not run', ':hourglass_flowing_sand:', text, target);
}

/** A notice under its title and the database line; its notification text without the code marks. */
function notice(title: string, emoji: string, text: string, target: Target): SlackMessage {
  return message(text.replaceAll('`', ''), [header(title), context(targetLine(target)), section(`${emoji} ${text}`)]);
}
