import { defineEntity, p } from '@mikro-orm/core';
import { WEBHOOK_TABLE } from '../tables.js';

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
