/** The states a LearnPack webhook row can be in (Django's `LearnPackWebhook.status` choices). */
export const WEBHOOK_STATUSES = ['PENDING', 'DONE', 'IGNORED', 'ERROR'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/** What a purge targets: one status, or every row (still bounded by the watermark). */
export type StatusFilter = WebhookStatus | 'ALL';
export const STATUS_FILTERS: readonly StatusFilter[] = [...WEBHOOK_STATUSES, 'ALL'];

export function isStatusFilter(value: string): value is StatusFilter {
  return (STATUS_FILTERS as readonly string[]).includes(value);
}
