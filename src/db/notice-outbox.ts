import type { EntityManager } from '@mikro-orm/postgresql';
import { Notice } from './entities/notice.js';
import { NOTICE_TABLE, REQUEST_TABLE } from './tables.js';
import { withDbErrors } from './db-errors.js';
import type { Notice as NoticeData, NoticeOutbox, PendingNotice } from '../domain/ports.js';

interface NoticeRow<Blocks> {
  id: number;
  request_id: number;
  kind: 'reply' | 'edit';
  channel_id: string;
  ts: string;
  text: string;
  blocks: Blocks[];
}

/** The Slack outbox in PostgreSQL. Claims are leases on the database clock, taken with SKIP LOCKED. */
export class MikroNoticeOutbox<Blocks> implements NoticeOutbox<Blocks> {
  constructor(private readonly em: EntityManager) {}

  async add(notice: NoticeData<Blocks>, owner: string, leaseMs: number): Promise<number> {
    const now = new Date();
    const id = await withDbErrors(() =>
      this.em.fork().insert(Notice, {
        ...notice,
        createdAt: now,
        claimedBy: owner,
        claimedUntil: new Date(now.getTime() + leaseMs),
        attempts: 0,
      }),
    );
    return Number(id);
  }

  async delivered(id: number): Promise<void> {
    await withDbErrors(() => this.em.fork().nativeUpdate(Notice, { id }, { deliveredAt: new Date() }));
  }

  async failed(id: number, error: string): Promise<void> {
    await withDbErrors(() =>
      this.em
        .fork()
        .execute(
          `update "${NOTICE_TABLE}" set attempts = attempts + 1, last_error = ? where id = ?`,
          [error.slice(0, 1_000), id],
          'run',
        ),
    );
  }

  /** Notices not yet delivered, across every replica (the outbox_pending metric). */
  async pending(): Promise<number> {
    const rows = await withDbErrors(() =>
      this.em.fork().execute<{ n: string }[]>(`select count(*) as n from "${NOTICE_TABLE}" where delivered_at is null`),
    );
    return Number(rows[0]?.n ?? 0);
  }

  async claimExpired(owner: string, leaseMs: number, limit: number): Promise<PendingNotice<Blocks>[]> {
    await this.dropSuperseded();
    const rows = await withDbErrors(() =>
      this.em.fork().execute<NoticeRow<Blocks>[]>(
        `update "${NOTICE_TABLE}" set claimed_by = ?, claimed_until = now() + make_interval(secs => ?)
         where id in (
           select id from "${NOTICE_TABLE}" where delivered_at is null and claimed_until < now()
           order by id limit ? for update skip locked)
         returning id, request_id, kind, channel_id, ts, text, blocks`,
        [owner, leaseMs / 1_000, limit],
      ),
    );
    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({
        id: row.id,
        requestId: row.request_id,
        kind: row.kind,
        channelId: row.channel_id,
        ts: row.ts,
        text: row.text,
        blocks: row.blocks,
      }));
  }

  /**
   * An edit replaces a message's whole content, so a late one would show an old state: an undelivered
   * edit is dropped once a newer edit of the same message exists, or once its request is active
   * again (resumed, so the runner is editing it). Dropped notices are closed as delivered, with why.
   */
  private async dropSuperseded(): Promise<void> {
    await withDbErrors(() =>
      this.em.fork().execute(
        `update "${NOTICE_TABLE}" n set delivered_at = now(), last_error = 'superseded: not sent, a newer state of the message exists'
         where n.delivered_at is null and n.kind = 'edit' and n.claimed_until < now()
           and (exists (select 1 from "${NOTICE_TABLE}" m where m.kind = 'edit' and m.channel_id = n.channel_id and m.ts = n.ts and m.id > n.id)
                or exists (select 1 from "${REQUEST_TABLE}" r where r.id = n.request_id and r.state in ('approved', 'running')))`,
        [],
        'run',
      ),
    );
  }
}
