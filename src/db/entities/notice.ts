import { defineEntity, p } from '@mikro-orm/core';

import { NOTICE_TABLE } from '../tables.js';

/**
 * The outbox of Slack messages that must not be lost: audit thread replies and final edits. A
 * notice is claimed by the process delivering it; if that process dies, its claim runs out and any
 * replica delivers it.
 */
export const Notice = defineEntity({
  name: 'Notice',
  tableName: NOTICE_TABLE,
  indexes: [
    {
      name: 'clear_telemetry_notice_undelivered',
      expression: `create index "clear_telemetry_notice_undelivered" on "${NOTICE_TABLE}" ("claimed_until") where "delivered_at" is null`,
    },
  ],
  properties: {
    id: p.integer().primary().autoincrement(),
    requestId: p.integer(),
    /** `reply`: a thread reply under `ts`; `edit`: the new content of message `ts`. */
    kind: p.enum(['reply', 'edit']),
    channelId: p.string(),
    ts: p.string(),
    text: p.text(),
    blocks: p.json<unknown[]>(),
    createdAt: p.datetime(),
    claimedBy: p.string().nullable(),
    claimedUntil: p.datetime().nullable(),
    attempts: p.integer().default(0),
    deliveredAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
  },
});
