import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import Bottleneck from 'bottleneck';
import type { Log } from '../log.js';
import { LatestWins } from '../throttle/latest-wins.js';
import type { SlackLimits } from './limits.js';
import { platformError, retryDelayMs } from './retry-policy.js';

/** A message as the renderers produce it: `text` for notifications, `blocks` for what people see. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Edits Slack will never accept for this message; the content is posted as a new message instead. */
const GONE = new Set(['message_not_found', 'edit_window_closed', 'cant_update_message']);

/**
 * Where a message was posted again once the original could not be edited, kept where every replica
 * sees it (the request ledger): later edits go to the repost, and its buttons count as the request's.
 */
export interface RepostStore {
  recordRepost(channelId: string, messageTs: string, repostTs: string): Promise<void>;
  repostOf(channelId: string, messageTs: string): Promise<string | null>;
}

export interface PacingOptions {
  limits: SlackLimits;
  log: Log;
  /** Shares reposts between replicas; without it they are known to this process only. */
  reposts?: RepostStore;
  /** Bottleneck's Redis connection (REDIS_URL): limits are then shared by every replica. */
  connection?: Bottleneck.IORedisConnection;
}

/**
 * Slack calls paced by Bottleneck within Slack's limits: posts one per second per channel (a
 * bounded queue each), edits of one message latest-wins at most every few seconds. 429s wait for
 * `Retry-After`; 5xx and network errors back off.
 */
export class PacedSlack {
  private readonly posts: Bottleneck.Group;
  private readonly edits = new Map<string, LatestWins<SlackMessage>>();
  /** Where an edit goes once its message could not be edited any more (key `channel:ts`). */
  private readonly redirects = new Map<string, string>();
  private readonly limits: SlackLimits;
  private readonly log: Log;

  constructor(
    private readonly client: WebClient,
    private readonly options: PacingOptions,
  ) {
    this.limits = options.limits;
    this.log = options.log;
    // A bounded queue per channel: past it, a new preview (priority 5) is refused at once rather than
    // posted minutes late; an audit reply (priority 0) evicts a waiting preview instead, and is in
    // the outbox anyway.
    this.posts = new Bottleneck.Group({
      maxConcurrent: 1,
      minTime: this.limits.postSpacingMs,
      highWater: this.limits.postQueuePerChannel,
      strategy: Bottleneck.strategy.OVERFLOW_PRIORITY,
      ...this.clustered('posts'),
    });
    this.posts.on('created', (limiter, channel) => {
      limiter.on('error', (error) => this.log.error({ err: error, channel }, 'slack post limiter error'));
      limiter.on('failed', (error, job) => this.retry(error, job.retryCount, job.options.priority === 0, { channel }));
    });
  }

  /** Posts a message (or a thread reply); priority 0 (an audit reply) evicts a waiting preview (5). Returns its ts. */
  async post(channel: string, message: SlackMessage, threadTs: string | undefined, priority: number): Promise<string> {
    const result = await this.posts.key(channel).schedule({ priority, ...this.expiring() }, () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(threadTs ? { thread_ts: threadTs, reply_broadcast: false } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return result.ts ?? '';
  }

  /** chat.getPermalink (Tier 4, not paced here); null when Slack cannot give one. */
  async permalink(channel: string, ts: string): Promise<string | null> {
    const result = await this.client.chat.getPermalink({ channel, message_ts: ts }).catch((error: unknown) => {
      this.log.warn({ err: error, channel, ts }, 'no permalink');
      return null;
    });
    return result?.permalink ?? null;
  }

  /** A progress edit: may be replaced by a newer one before it is sent. Never throws. */
  offerEdit(channel: string, ts: string, message: SlackMessage): void {
    this.editor(channel, ts).offer(message);
  }

  /** The last edit of a message: sent after any edit in flight, retried until Slack takes it. */
  async finalEdit(channel: string, ts: string, message: SlackMessage): Promise<void> {
    const key = `${channel}:${ts}`;
    const editor = this.editor(channel, ts);
    try {
      await editor.final(message);
    } finally {
      this.edits.delete(key);
      await editor.close();
    }
  }

  /** Drops everything still waiting or retrying (the outbox keeps what must survive); a call on the wire finishes. */
  async close(): Promise<void> {
    const stops: Promise<unknown>[] = [...this.edits.values()].map((editor) => editor.close());
    for (const { limiter } of this.posts.limiters())
      stops.push(limiter.stop({ dropWaitingJobs: true }).catch(() => undefined));
    await Promise.all(stops);
    this.edits.clear();
  }

  private editor(channel: string, ts: string): LatestWins<SlackMessage> {
    const key = `${channel}:${ts}`;
    let editor = this.edits.get(key);
    if (!editor) {
      editor = new LatestWins<SlackMessage>({
        id: `edit:${key}`,
        minTime: this.limits.editSpacingMs,
        send: (message) => this.update(channel, ts, message),
        retryDelay: (error, attempt, final) => this.retry(error, attempt, final, { channel, ts }) ?? null,
        onError: (error) => this.log.warn({ err: error, channel, ts }, 'slack edit dropped'),
        limiter: this.clustered(`edit:${key}`),
        expirationMs: this.expiring().expiration,
      });
      this.edits.set(key, editor);
    }
    return editor;
  }

  /**
   * chat.update, or, when Slack will never accept the edit (the message was deleted, or the
   * workspace's edit window closed), the same content as a new message in its thread (or, when that
   * fails too, in the channel), which later edits then go to. The repost is recorded, so another
   * replica edits it too instead of posting yet another, and its buttons count as the request's.
   */
  private async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    const key = `${channel}:${ts}`;
    const target = this.redirects.get(key) ?? ts;
    try {
      await this.client.chat.update({ channel, ts: target, text: message.text, blocks: message.blocks });
      return;
    } catch (error) {
      const code = platformError(error);
      if (!code || !GONE.has(code) || target !== ts) throw error;
    }
    const known = await this.options.reposts?.repostOf(channel, ts).catch(() => null);
    if (known) {
      this.redirects.set(key, known);
      await this.client.chat.update({ channel, ts: known, text: message.text, blocks: message.blocks });
      return;
    }
    this.log.warn({ channel, ts }, 'message cannot be edited; posting it again in its thread');
    const posted = await this.client.chat
      .postMessage({ channel, thread_ts: ts, text: message.text, blocks: message.blocks })
      .catch(() => this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks }));
    if (!posted.ts) return;
    this.redirects.set(key, posted.ts);
    await this.options.reposts
      ?.recordRepost(channel, ts, posted.ts)
      .catch((error: unknown) => this.log.warn({ err: error, channel, ts }, 'could not record the repost'));
  }

  private retry(error: unknown, attempt: number, final: boolean, where: object): number | undefined {
    const wait = retryDelayMs(error, attempt, final ? this.limits.finalAttempts : this.limits.attempts, this.limits);
    this.log.warn({ err: error, ...where, attempt: attempt + 1, retryInMs: wait }, 'slack call failed');
    return wait ?? undefined;
  }

  private clustered(id: string): Partial<Bottleneck.ConstructorOptions> {
    const { connection } = this.options;
    return connection ? { id: `clear-telemetry-${id}`, datastore: 'ioredis', connection, clearDatastore: false } : {};
  }

  /** With shared (Redis) limits, a job held by a process that died must not hold the slot forever. */
  private expiring(): { expiration?: number } {
    return this.options.connection ? { expiration: 60_000 } : {};
  }
}
