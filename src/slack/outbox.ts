import type { KnownBlock } from '@slack/types';

/** A Slack message the bot has promised to deliver: an audit thread reply or a final edit. */
export interface Notice {
  requestId: number;
  /** `reply`: a thread reply under `ts`; `edit`: the new content of message `ts`. */
  kind: 'reply' | 'edit';
  channelId: string;
  ts: string;
  text: string;
  blocks: KnownBlock[];
}

export interface PendingNotice extends Notice {
  id: number;
}

/** The persistent outbox, so a notice survives the process that promised it. */
export interface NoticeOutbox {
  /** Records a notice, claimed by `owner` for `leaseMs`; returns its id. */
  add(notice: Notice, owner: string, leaseMs: number): Promise<number>;
  delivered(id: number): Promise<void>;
  /** Notes a failed attempt; the claim runs out on its own and another delivery is tried. */
  failed(id: number, error: string): Promise<void>;
  /** Claims undelivered notices whose claim ran out (their owner died or gave up), oldest first. */
  claimExpired(owner: string, leaseMs: number, limit: number): Promise<PendingNotice[]>;
}
