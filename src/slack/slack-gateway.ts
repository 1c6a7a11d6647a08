import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import Bottleneck from 'bottleneck';
import type { Log } from '../log.js';
import { LatestWins } from '../throttle/latest-wins.js';
import type { SlackLimits } from './limits.js';
import { retryDelayMs } from './retry-policy.js';

/** A message as the renderers produce it: `text` for notifications, `blocks` for what people see. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Every Web API call the bot makes goes through here, paced by Bottleneck within Slack's limits:
 * posts one per second per channel, edits of one message latest-wins at most every few seconds.
 * 429s wait for `Retry-After`, 5xx and network errors back off, and nothing here ever blocks a purge.
 */
export class SlackGateway {
  private readonly posts: Bottleneck.Group;
  private readonly edits = new Map<string, LatestWins<SlackMessage>>();
  /** Posts and final edits not yet delivered, so shutdown and tests can wait for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: WebClient,
    private readonly limits: SlackLimits,
    private readonly log: Log,
  ) {
    this.posts = new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.postSpacingMs });
    this.posts.on('created', (limiter, channel) => {
      limiter.on('error', (error) => log.error({ err: error, channel }, 'slack post limiter error'));
      limiter.on('failed', (error, job) => {
        const final = job.options.priority === 0;
        const wait = retryDelayMs(error, job.retryCount, final ? limits.finalAttempts : limits.attempts);
        log.warn({ err: error, channel, attempt: job.retryCount + 1, retryInMs: wait }, 'slack post failed');
        return wait ?? undefined;
      });
    });
  }

  /** Posts a message (or a thread reply); returns its ts. `audit` replies get the long retry budget. */
  async post(channel: string, message: SlackMessage, options: { threadTs?: string; audit?: boolean } = {}): Promise<string> {
    const result = await this.track(this.posts.key(channel).schedule({ priority: options.audit ? 0 : 5 }, () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        ...(options.threadTs ? { thread_ts: options.threadTs, reply_broadcast: false } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    ));
    return result.ts ?? '';
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
      await this.track(editor.final(message));
    } finally {
      this.edits.delete(key);
      await editor.close();
    }
  }

  /** Resolves once every post and final edit queued so far has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Drops everything still waiting or retrying; a call already on the wire finishes. */
  async close(): Promise<void> {
    const stops: Promise<unknown>[] = [...this.edits.values()].map((editor) => editor.close());
    for (const { limiter } of this.posts.limiters()) stops.push(limiter.stop({ dropWaitingJobs: true }).catch(() => undefined));
    await Promise.all(stops);
    this.edits.clear();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  private editor(channel: string, ts: string): LatestWins<SlackMessage> {
    const key = `${channel}:${ts}`;
    let editor = this.edits.get(key);
    if (!editor) {
      editor = new LatestWins<SlackMessage>({
        id: `edit:${key}`,
        minTime: this.limits.editSpacingMs,
        send: (message) => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }),
        retryDelay: (error, attempt, final) => {
          const wait = retryDelayMs(error, attempt, final ? this.limits.finalAttempts : this.limits.attempts);
          this.log.warn({ err: error, channel, ts, attempt: attempt + 1, retryInMs: wait }, 'slack edit failed');
          return wait;
        },
        onError: (error) => this.log.error({ err: error, channel, ts }, 'slack edit dropped'),
      });
      this.edits.set(key, editor);
    }
    return editor;
  }
}
