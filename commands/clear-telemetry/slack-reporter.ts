import type { RunReporter } from '../../src/domain/ports.js';
import type { PurgeOutcome, PurgeProgress } from '../../src/domain/purge.js';
import type { PurgeRequestRecord } from '../../src/domain/request.js';
import type { Log } from '../../src/log.js';
import type { SlackGateway, SlackMessage } from '../../src/slack/slack-gateway.js';
import { progressMessage, reply, resultMessage } from './blocks.js';

/**
 * Shows a run in Slack: the preview message becomes a live progress message (throttled, latest
 * wins) and then the result (never dropped); each milestone is also a thread reply. A Slack failure
 * is logged and never reaches the run.
 */
export class SlackReporter implements RunReporter {
  private readonly fallbacks = new Map<number, string>();

  constructor(
    private readonly slack: SlackGateway,
    private readonly log: Log,
  ) {}

  started(request: PurgeRequestRecord): void {
    this.thread(request, reply.started(request));
    this.edit(request, progressMessage(request, startingProgress(request)));
  }

  progress(request: PurgeRequestRecord, progress: PurgeProgress): void {
    this.edit(request, progressMessage(request, progress, this.fallbacks.get(request.id) ?? null));
  }

  fallback(request: PurgeRequestRecord, reason: string): void {
    this.fallbacks.set(request.id, reason);
    this.thread(request, reply.fallback(reason));
  }

  /** Queues the result edit and the audit reply; Slack delivers them after the run, retrying through outages. */
  finished(request: PurgeRequestRecord, outcome: PurgeOutcome): void {
    this.fallbacks.delete(request.id);
    const { channelId, messageTs } = request;
    if (!channelId || !messageTs) return;
    this.thread(request, reply.finished(request, outcome));
    this.slack.finalEdit(channelId, messageTs, resultMessage(request, outcome)).catch((error: unknown) => {
      this.log.error({ err: error, requestId: request.id }, 'could not show the result on the request message');
    });
  }

  private edit(request: PurgeRequestRecord, message: SlackMessage): void {
    if (request.channelId && request.messageTs) this.slack.offerEdit(request.channelId, request.messageTs, message);
  }

  private thread(request: PurgeRequestRecord, message: SlackMessage): void {
    const { channelId, messageTs } = request;
    if (!channelId || !messageTs) return;
    this.slack.post(channelId, message, { threadTs: messageTs, audit: true }).catch((error: unknown) => {
      this.log.error({ err: error, requestId: request.id }, 'could not post the audit reply');
    });
  }
}

function startingProgress(request: PurgeRequestRecord): PurgeProgress {
  const { plan, position } = request;
  return {
    method: plan.method,
    deleted: position.deleted,
    total: plan.matching,
    percent: 0,
    batchesDone: position.batches,
    batchesTotal: plan.batches,
    rowsPerSecond: 0,
    etaMs: null,
    elapsedMs: 0,
    lastId: position.lastId,
  };
}
