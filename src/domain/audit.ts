import type { Plan } from './plan/plan.js';
import type { RunLog } from './run-ports.js';

/**
 * The audit stream: one JSON log line per decision, each with a stable `event` name, the request id
 * and the fields docs/operating.md lists ("The audit stream"), so a team can ship them to its log
 * store. The `msg` of each is fixed too.
 */
export const AUDIT_EVENTS = {
  requested: 'request created',
  approved: 'request approved',
  'auto-approved': 'request approved by its policy',
  cancelled: 'request cancelled',
  expired: 'request expired',
  stopped: 'stop requested',
  paused: 'pause requested',
  resumed: 'run resumed',
  started: 'run started',
  finished: 'run finished',
  restored: 'restore finished',
  skipped: 'policy slot skipped',
} as const;
export type AuditEvent = keyof typeof AUDIT_EVENTS;

/** What a `requested` line says of the plan: which rows, how many, up to which id, and how. */
export function planFields({
  status,
  matching,
  watermark,
  method,
}: Pick<Plan, 'status' | 'matching' | 'watermark' | 'method'>) {
  return { status, matching, watermark, method };
}

export function audit(log: Pick<RunLog, 'info'>, event: AuditEvent, fields: object): void {
  log.info({ audit: true, event, ...fields }, AUDIT_EVENTS[event]);
}
