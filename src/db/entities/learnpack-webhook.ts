import { defineEntity, p } from '@mikro-orm/core';

/** Owned by the Django app: the bot reads and deletes rows, and never creates, alters or migrates it. */
export const WEBHOOK_TABLE = 'assignments_learnpackwebhook';

/**
 * Only the columns the bot reads. The table keeps growing columns (asset_id, package_slug, ...) and
 * has no database defaults, so the bot never inserts into it and never selects `*`.
 */
export const LearnpackWebhook = defineEntity({
  name: 'LearnpackWebhook',
  tableName: WEBHOOK_TABLE,
  properties: {
    id: p.integer().primary(),
    status: p.string().length(9),
    createdAt: p.datetime().fieldName('created_at'),
  },
});
