import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Log } from '../log.js';
import type { SlackLimits } from './limits.js';
import { retryTransient } from '../domain/run/retry-transient.js';
import { PacedSlack, type PacingOptions, type SlackMessage } from './paced-slack.js';
import type { NoticeOutbox } from '../domain/ports.js';

export type { SlackMessage };

export interface GatewayOptions extends PacingOptions {
  /** Persists audit replies and final edits; null keeps them in memory only. */
  outbox: NoticeOutbox<KnownBlock> | null;
  /** Names this process as the owner of the notices it delivers. */
  owner: string;
}

/**
 * Every Web API call the bot makes goes through here, paced within Slack's limits (paced-slack.ts).
 * What the bot has promised (audit replies, final edits) goes to the outbox first and stays there
 * until Slack has it, so another process delivers it if this one dies. Nothing here ever blocks a purge.
 */
export class SlackGateway {
  private readonly paced: PacedSlack;
  /** Keeps audit replies of one channel in the order they were promised. */
  private readonly auditOrder = new Map<string, Promise<unknown>>();
  /** Posts and final edits not yet delivered, so shutdown and tests can wait for them. */
  private readonly pending = new Set<Promise<unknown>>();
  private readonly limits: SlackLimits;
  private readonly log: Log;

  constructor(
    client: WebClient,
    private readonly options: GatewayOptions,
  ) {
    this.limits = options.limits;
    this.log = options.log;
    this.paced = new PacedSlack(client, options);
  }

  /** Posts a message (or a plain thread reply); returns its ts. */
  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    return this.track(this.paced.post(channel, message, threadTs, 5));
  }

  /** An audit reply under `threadTs`: persisted first, delivered in order, retried through outages. Never throws. */
  audit(requestId: number, channel: string, threadTs: string, message: SlackMessage): void {
    const prior = this.auditOrder.get(channel) ?? Promise.resolve();
    const queued = prior.then(async () => {
      const id = await this.remember({ requestId, kind: 'reply', channelId: channel, ts: threadTs, ...message });
      // Scheduling (not delivery) is what keeps the order; the next reply queues behind this one.
      return { id, delivery: this.paced.post(channel, message, threadTs, 0) };
    });
    this.auditOrder.set(
      channel,
      queued.catch(() => undefined),
    );
    void this.track(
      queued
        .then(({ id, delivery }) => this.settle(id, delivery))
        .catch((error: unknown) => this.log.error({ err: error, requestId }, 'audit reply not delivered')),
    );
  }

  /** A progress edit: may be replaced by a newer one before it is sent. Never throws. */
  offerEdit(channel: string, ts: string, message: SlackMessage): void {
    this.paced.offerEdit(channel, ts, message);
  }

  /** The last edit of a message: persisted, sent after any edit in flight, retried until Slack takes it. */
  async finalEdit(requestId: number, channel: string, ts: string, message: SlackMessage): Promise<void> {
    const id = await this.remember({ requestId, kind: 'edit', channelId: channel, ts, ...message });
    await this.track(this.settle(id, this.paced.finalEdit(channel, ts, message)));
  }

  /** A link to a message (chat.getPermalink), or null when Slack cannot give one. */
  async permalink(channel: string, ts: string): Promise<string | null> {
    return this.paced.permalink(channel, ts);
  }

  /** Delivers notices whose owner died or gave up (their claim ran out). Returns how many were sent. */
  async redeliver(): Promise<number> {
    const { outbox, owner } = this.options;
    if (!outbox) return 0;
    let sent = 0;
    for (const notice of await outbox.claimExpired(owner, this.limits.noticeLeaseMs, 20)) {
      const message = { text: notice.text, blocks: notice.blocks };
      const delivery =
        notice.kind === 'reply'
          ? this.paced.post(notice.channelId, message, notice.ts, 0)
          : this.paced.finalEdit(notice.channelId, notice.ts, message);
      await this.track(this.settle(notice.id, delivery)).then(
        () => (sent += 1),
        (error: unknown) => this.log.warn({ err: error, notice: notice.id }, 'redelivery failed'),
      );
    }
    return sent;
  }

  /** Resolves once every post and final edit queued so far has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Drops everything still waiting or retrying (the outbox keeps what must survive); a call on the wire finishes. */
  async close(): Promise<void> {
    await this.paced.close();
  }

  private async remember(notice: Parameters<NoticeOutbox<KnownBlock>['add']>[0]): Promise<number | null> {
    const { outbox, owner } = this.options;
    if (!outbox) return null;
    // If the database is unavailable, deliver anyway: an unrecorded notice beats a missing one.
    return outbox.add(notice, owner, this.limits.noticeLeaseMs).catch((error: unknown) => {
      this.log.error({ err: error, requestId: notice.requestId }, 'could not persist a Slack notice');
      return null;
    });
  }

  private async settle(id: number | null, delivery: Promise<unknown>): Promise<void> {
    const { outbox } = this.options;
    try {
      await delivery;
    } catch (error) {
      if (id !== null)
        await outbox?.failed(id, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      throw error;
    }
    // Retried through a connection blip: a notice left undelivered in the outbox is sent again by
    // another replica once its claim runs out, and the thread would get the same reply twice.
    if (id !== null && outbox)
      await retryTransient(() => outbox.delivered(id)).catch((error: unknown) =>
        this.log.warn({ err: error, notice: id }, 'could not mark a notice delivered'),
      );
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }
}
