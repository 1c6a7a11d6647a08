import type { PurgeProgress } from '../../src/domain/ports.js';
import type { RequestLedger, RunNote, RunReporter } from '../../src/domain/run-ports.js';
import { progressAt } from '../../src/domain/run/progress.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import type { Log } from '../../src/log.js';
import type { Target } from '../../src/domain/wording/sentences.js';
import type { SlackGateway, SlackMessage } from '../../src/slack/slack-gateway.js';
import { progressMessage, queuedMessage, resultMessage, unresponsiveMessage } from './run-blocks.js';
import { threadReply } from './thread-replies.js';

/**
 * Shows a run in Slack: the preview message becomes a live progress message (throttled, latest
 * wins) and then the result (persisted, never dropped); each milestone is also a thread reply. A
 * Slack failure is logged and never reaches the run.
 */
export class SlackReporter implements RunReporter {
  /** What the message shows besides the counts, and the last counts, per running request. */
  private readonly shown = new Map<number, { progress: PurgeProgress; note: RunNote | null }>();

  constructor(
    private readonly slack: SlackGateway,
    private readonly log: Log,
    /** The database every state of the message names, as the preview did. */
    private readonly target: Target,
    /** Reads the purge a finished restore brought back, to mark its message restored. */
    private readonly ledger: Pick<RequestLedger, 'get'>,
  ) {}

  queued(request: PurgeRequestRecord, behind: PurgeRequestRecord | null): void {
    this.thread(request, threadReply.queued(request, behind));
    this.edit(request, queuedMessage(request, behind, this.target));
  }

  started(request: PurgeRequestRecord): void {
    const progress = progressAt(request.plan, request.position);
    this.shown.set(request.id, { progress, note: null });
    this.thread(request, threadReply.started(request));
    this.edit(request, progressMessage(request, progress, this.target));
  }

  progress(request: PurgeRequestRecord, progress: PurgeProgress): void {
    const note = this.shown.get(request.id)?.note ?? null;
    this.shown.set(request.id, { progress, note: note?.kind === 'retry' ? null : note });
    this.edit(request, progressMessage(request, progress, this.target, note));
  }

  note(request: PurgeRequestRecord, note: RunNote | null): void {
    // Batch resizing and retries are for the logs: in the channel they are noise.
    if (note?.kind === 'retry') return;
    const shown = this.shown.get(request.id) ?? { progress: progressAt(request.plan, request.position), note: null };
    if (note && (note.kind === 'fallback' || note.kind === 'paused')) this.thread(request, threadReply.note(note));
    if (!note && shown.note?.kind === 'paused') this.thread(request, threadReply.continued());
    this.shown.set(request.id, { ...shown, note });
    this.edit(request, progressMessage(request, shown.progress, this.target, note));
  }

  /** Queues the result edit and the audit reply; the outbox delivers them even after a Slack outage. */
  finished(request: PurgeRequestRecord): void {
    this.shown.delete(request.id);
    const { channelId, messageTs } = request;
    if (!channelId || !messageTs) return;
    this.thread(request, threadReply.finished(request));
    this.slack
      .finalEdit(request.id, channelId, messageTs, resultMessage(request, this.target))
      .catch((error: unknown) => {
        this.log.error({ err: error, requestId: request.id }, 'could not show the result on the request message');
      });
    if (request.kind === 'restore' && request.state === 'succeeded' && request.restoreOf !== null) {
      void this.markRestored(request);
    }
  }

  /** The run's process stopped answering: its message loses Stop and Pause and says what comes next. */
  unresponsive(request: PurgeRequestRecord): void {
    this.thread(request, threadReply.unresponsive(request));
    this.edit(request, unresponsiveMessage(request, this.target));
  }

  recovered(request: PurgeRequestRecord): void {
    this.thread(request, threadReply.recovered());
    const shown = this.shown.get(request.id);
    this.edit(
      request,
      progressMessage(
        request,
        shown?.progress ?? progressAt(request.plan, request.position),
        this.target,
        shown?.note ?? null,
      ),
    );
  }

  /**
   * Once a restore has put an archived purge's rows back, the purge's own message stops offering
   * Restore and says which request restored it, with a reply in its thread.
   */
  private async markRestored(restore: PurgeRequestRecord): Promise<void> {
    const purgeId = restore.restoreOf ?? 0;
    try {
      const purge = await this.ledger.get(purgeId);
      if (!purge?.channelId || !purge.messageTs) return;
      this.thread(purge, threadReply.restored(restore));
      await this.slack.finalEdit(
        purge.id,
        purge.channelId,
        purge.messageTs,
        resultMessage(purge, this.target, restore.id),
      );
    } catch (error) {
      this.log.error({ err: error, requestId: purgeId }, 'could not mark the purge as restored');
    }
  }

  private edit(request: PurgeRequestRecord, message: SlackMessage): void {
    if (request.channelId && request.messageTs) this.slack.offerEdit(request.channelId, request.messageTs, message);
  }

  private thread(request: PurgeRequestRecord, message: SlackMessage): void {
    if (request.channelId && request.messageTs)
      this.slack.audit(request.id, request.channelId, request.messageTs, message);
  }
}
