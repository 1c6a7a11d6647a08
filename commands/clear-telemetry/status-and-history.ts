import type { RespondFn } from '@slack/bolt';
import type { ClearArgs } from '../../src/domain/plan/clear-args.js';
import {
  historyEntry,
  historyLine,
  overview,
  overviewLines,
  type Wording,
} from '../../src/domain/wording/status-and-history.js';
import { summarize } from '../../src/domain/plan/plan.js';
import { policyViews } from '../../src/domain/policy/policy.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import { clip, escapeMrkdwn } from './block-kit.js';
import type { ClearTelemetryDeps } from './deps.js';
import { ephemeral, errorText, usageText } from './ephemeral.js';
import { mention, slackDate } from './sentences.js';

/**
 * `/clear-telemetry status` and `history`: ephemeral, read-only. People are mentions, times are in
 * each reader's zone, and each request links to its message (chat.getPermalink).
 */
export async function lookBack(
  deps: ClearTelemetryDeps,
  args: ClearArgs,
  userId: string,
  respond: RespondFn,
): Promise<void> {
  try {
    const lines =
      args.command === 'status' ? await statusLines(deps, userId) : await historyLines(deps, args.limit ?? 10);
    await respond(ephemeral(clip(lines.join('\n'), 3_000)));
  } catch (error) {
    deps.log.warn({ err: error }, `${args.command} failed`);
    await respond(ephemeral(errorText(error)));
  }
}

/**
 * The bare command (or one without --status): what the bot does and how to ask, with what is going on
 * now, only to the person who typed it. A deletion request must name its rows.
 */
export async function helpAndStatus(deps: ClearTelemetryDeps, userId: string, respond: RespondFn): Promise<void> {
  const lead =
    'Nothing was previewed or deleted: a purge needs `--status`, to say which webhooks (for example `/clear-telemetry --status ERROR`). It then posts a preview for a second person to approve.';
  let status: string[];
  try {
    status = await statusLines(deps, userId);
  } catch (error) {
    deps.log.warn({ err: error }, 'status failed');
    status = [errorText(error)];
  }
  await respond(ephemeral(clip([lead, '', '*Now:*', ...status, '', usageText()].join('\n'), 3_000)));
}

async function statusLines(deps: ClearTelemetryDeps, userId: string): Promise<string[]> {
  const table = async () => {
    // Counting the table scans it: rationed per person, as previews are.
    const census = await deps.previews.run(userId, () => deps.census.recent(null));
    return { summary: summarize(census.statuses), ageMs: deps.census.latest()?.ageMs ?? 0 };
  };
  const roster = deps.policies;
  const now = deps.clock();
  const policies = () =>
    roster ? policyViews(roster.list, roster.schedules, roster.slots, deps.ledger, now) : Promise.resolve([]);
  const view = await overview(deps.ledger, table, now, undefined, policies);
  const shown = [view.running, ...view.waiting, ...view.resumable].filter((request) => request !== null);
  return overviewLines(view, await wording(deps, shown)).map(boldLabel);
}

async function historyLines(deps: ClearTelemetryDeps, limit: number): Promise<string[]> {
  const requests = await deps.ledger.list(limit);
  if (requests.length === 0) return ['No requests yet.'];
  const words = await wording(deps, requests);
  return [
    `*The last ${requests.length === 1 ? 'request' : `${requests.length} requests`}:*`,
    ...requests.map((request) => historyLine(historyEntry(request), request, words)),
  ];
}

/** Slack's words: mentions, local times, and a permalink per request message, fetched at once. */
async function wording(deps: ClearTelemetryDeps, requests: readonly PurgeRequestRecord[]): Promise<Wording> {
  const links = new Map<number, string>();
  await Promise.all(
    requests.map(async (request) => {
      if (!request.channelId || !request.messageTs) return;
      const link = await deps.slack.permalink(request.channelId, request.messageTs);
      if (link) links.set(request.id, `<${link}|message>`);
    }),
  );
  return {
    who: mention,
    link: (request) => links.get(request.id) ?? '',
    date: slackDate,
    resume: (id) => `\`/clear-telemetry resume ${id}\``,
    userText: escapeMrkdwn,
  };
}

/** "Running: …" reads as "*Running:* …". */
function boldLabel(line: string): string {
  return line.replace(/^([A-Z][a-z]+(?: [a-z0-9-]+)*):/, '*$1:*');
}
