/**
 * A chat message the bot has promised to deliver: an audit thread reply or a final edit. The
 * blocks are the chat's own layout (Slack's Block Kit), opaque here.
 */
export interface Notice<Blocks = unknown> {
  requestId: number;
  /** `reply`: a thread reply under `ts`; `edit`: the new content of message `ts`. */
  kind: 'reply' | 'edit';
  channelId: string;
  ts: string;
  text: string;
  blocks: Blocks[];
}

export interface PendingNotice<Blocks = unknown> extends Notice<Blocks> {
  id: number;
}

/** The persistent outbox, so a notice survives the process that promised it. */
export interface NoticeOutbox<Blocks = unknown> {
  /** Records a notice, claimed by `owner` for `leaseMs`; returns its id. */
  add(notice: Notice<Blocks>, owner: string, leaseMs: number): Promise<number>;
  delivered(id: number): Promise<void>;
  /** Notes a failed attempt; the claim runs out on its own and another delivery is tried. */
  failed(id: number, error: string): Promise<void>;
  /** Claims undelivered notices whose claim ran out (their owner died or gave up), oldest first. */
  claimExpired(owner: string, leaseMs: number, limit: number): Promise<PendingNotice<Blocks>[]>;
}
