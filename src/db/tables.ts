/**
 * The tables' names, apart from the entities, so code that runs plain SQL (the preview's census on
 * a bare `pg` connection) does not load MikroORM to learn them.
 */

/** Owned by the Django app: the bot reads and deletes rows (and puts archived ones back), and never creates, alters or migrates it. */
export const WEBHOOK_TABLE = 'assignments_learnpackwebhook';
/** The ledger: one row per request. */
export const REQUEST_TABLE = 'clear_telemetry_request';
/** What archived purges deleted, one jsonb row each, until restored or expired. */
export const ARCHIVE_TABLE = 'clear_telemetry_archive';
/** The outbox of Slack messages that must not be lost. */
export const NOTICE_TABLE = 'clear_telemetry_notice';
/** Each retention policy's scheduled slots, once each. */
export const POLICY_SLOT_TABLE = 'clear_telemetry_policy_slot';
