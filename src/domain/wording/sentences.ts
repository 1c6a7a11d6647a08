import { formatAge, formatBytes, formatCount, formatDuration, formatTimestamp } from './format.js';
import type { RunOutcome } from '../run/batch-loop.js';
import type { Plan } from '../plan/plan.js';
import type { StatusFilter } from '../plan/webhook-statuses.js';
import type { RunNote } from '../run-ports.js';

/**
 * "in 4.2 s (batch, 5 batches)": how a run went, the same words on the terminal and in Slack. After
 * downtime (a crash, then Resume) the time spent deleting is told apart from the span:
 * "in 4.2 s of deleting over 29 s".
 */
export function howItRan(outcome: Pick<RunOutcome, 'durationMs' | 'method' | 'batches'> & { spanMs?: number }): string {
  const batches = `${formatCount(outcome.batches)} ${outcome.batches === 1 ? 'batch' : 'batches'}`;
  const over =
    outcome.spanMs !== undefined && outcome.spanMs - outcome.durationMs >= 1_000
      ? ` of deleting over ${formatDuration(outcome.spanMs)}`
      : '';
  return `in ${formatDuration(outcome.durationMs)}${over} (${outcome.method}, ${batches})`;
}

/**
 * What can be undone, the same words in the preview, the terminal's plan and the confirmation:
 * "restorable for 7 days (about 1.2 GB of archive, estimated from the average row size)".
 */
export function undoSentence(undo: Plan['undo']): string {
  if (undo.kind === 'none') {
    if (undo.noLedger)
      return "none; this database has no clear_telemetry tables to archive into (apply the bot's migrations)";
    return undo.forbidden
      ? 'none; archiving is turned off here (CLEAR_TELEMETRY_ARCHIVE=never), so deleted rows cannot be restored'
      : 'none; deleted rows cannot be restored (--archive keeps them, restorable)';
  }
  const size =
    undo.bytes === null ? '' : ` (about ${formatBytes(undo.bytes)} of archive, estimated from the average row size)`;
  return `restorable for ${formatCount(undo.days)} ${undo.days === 1 ? 'day' : 'days'}${size}`;
}

/**
 * "about 7 batches aimed at up to 100,000 rows each": batches are sized as they go (by time, and by
 * the density of matching ids), so their number is an estimate. Each is an id range sized to hold
 * its target, so where matching rows bunch up one holds more: the size is an aim, not a bound.
 */
export function batchesSentence(plan: Pick<Plan, 'batches' | 'batchSize'>): string {
  return `about ${formatCount(plan.batches)} ${plan.batches === 1 ? 'batch' : 'batches'} aimed at up to ${formatCount(plan.batchSize)} rows${plan.batches === 1 ? '' : ' each'}`;
}

/**
 * After a completed run that deleted fewer rows than were previewed: why the rest are still there.
 * Empty when it deleted them all.
 */
export function shortfall(matching: number, deleted: number): string {
  const kept = matching - deleted;
  if (kept <= 0) return '';
  const rows = kept === 1 ? '1 previewed record was' : `${formatCount(kept)} previewed records were`;
  return `${rows} not deleted: changed or already gone since the preview`;
}

/** "with status 'ERROR'", or for ALL "of every status": `mark` quotes or bolds the status. */
export function statusPhrase(status: StatusFilter, mark: (status: string) => string = (text) => text): string {
  return status === 'ALL' ? 'of every status' : `with status ${mark(status)}`;
}

/** PENDING rows younger than this are live webhooks that the worker is still delivering. */
export const LIVE_PENDING_MS = 10 * 60_000;

/**
 * How old the newest PENDING row in the plan is, when it is young enough to be still in flight:
 * deleting it makes the worker retry and lose that telemetry. Null when the plan has none so young.
 */
export function livePendingAgeMs(plan: Pick<Plan, 'status' | 'newestPending' | 'plannedAt'>): number | null {
  if (!plan.newestPending || (plan.status !== 'PENDING' && plan.status !== 'ALL')) return null;
  const age = Math.max(0, plan.plannedAt.getTime() - plan.newestPending.getTime());
  return age < LIVE_PENDING_MS ? age : null;
}

/** Where a purge deletes: shown first wherever a person decides, so production never looks like staging. */
export interface Target {
  /** `django on db.internal:5432`: the database and where it is, never with the password. */
  database: string;
  /** The database's name, and its host and port, for surfaces that mark them apart. */
  name: string;
  host: string;
  /** CLEAR_TELEMETRY_ENVIRONMENT, e.g. `production`. */
  environment: string | null;
}

/**
 * What the plan's gates keep out, one sentence each, in plain words for both the terminal and
 * Slack: the age cut-off and the rows it keeps, the --limit, and the row cap.
 */
export function gateSentences(
  plan: Pick<Plan, 'status' | 'cutoff' | 'kept' | 'limit' | 'matching' | 'overCap' | 'replicaLagHidden'>,
): string[] {
  const sentences: string[] = [];
  const { cutoff } = plan;
  if (cutoff?.source === 'older-than') {
    const kept = plan.kept > 0 ? `; kept: ${formatCount(plan.kept)} newer ${plan.kept === 1 ? 'row' : 'rows'}` : '';
    sentences.push(
      `Only rows created before ${formatTimestamp(cutoff.before)} (--older-than ${formatAge(cutoff.ageMs)})${kept}`,
    );
  } else if (cutoff && plan.kept > 0) {
    sentences.push(
      `Kept: ${formatCount(plan.kept)} PENDING ${plan.kept === 1 ? 'row' : 'rows'} younger than ${formatAge(cutoff.ageMs)} (still being delivered); use --older-than 0 to include them`,
    );
  }
  if (plan.limit !== null)
    sentences.push(
      `Limited to the ${formatCount(plan.matching)} oldest matching rows (--limit ${formatCount(plan.limit)})`,
    );
  if (plan.overCap !== null) {
    sentences.push(
      `Over the cap of ${formatCount(plan.overCap)} rows (CLEAR_TELEMETRY_MAX_ROWS): only a break-glass user may approve it`,
    );
  }
  if (plan.replicaLagHidden) {
    sentences.push(
      'Replica lag: not visible to this database user (grant it pg_monitor), so the run cannot wait for lagging replicas',
    );
  }
  return sentences;
}

/** How each kind of run note is labelled, in the terminal and in Slack. */
export const NOTE_LABEL: Record<RunNote['kind'], string> = {
  fallback: 'Fell back to batches',
  retry: 'Adjusting',
  held: 'Holding',
  paused: 'Paused',
};

/**
 * The flags that ask for the same rows again (`--status DONE --older-than 7d --limit 60000`), for a
 * message that suggests a fresh preview: never a bare command, which would mean other rows.
 */
export function commandFlags(plan: Pick<Plan, 'status' | 'cutoff' | 'limit' | 'undo'>): string {
  const flags = [`--status ${plan.status}`];
  if (plan.cutoff?.source === 'older-than') flags.push(`--older-than ${ageFlag(plan.cutoff.ageMs)}`);
  if (plan.limit !== null) flags.push(`--limit ${plan.limit}`);
  if (plan.undo.kind === 'archive') flags.push('--archive');
  return flags.join(' ');
}

/**
 * Why a plan has nothing to delete, always with what the gates kept out: "there are no DONE rows",
 * or "all 105,000 PENDING rows are younger than 10 min (still being delivered); --older-than 0
 * includes them".
 */
export function nothingToDelete(plan: Pick<Plan, 'status' | 'cutoff' | 'kept'>): string {
  const of = plan.status === 'ALL' ? 'rows' : `${plan.status} rows`;
  if (plan.kept === 0 || plan.cutoff === null) return `there are no ${of}`;
  const all = `all ${formatCount(plan.kept)} ${plan.kept === 1 ? of.replace(/s$/, '') : of}`;
  const age = formatAge(plan.cutoff.ageMs);
  if (plan.cutoff.source === 'older-than') {
    return `${all} were created in the last ${age} (--older-than ${ageFlag(plan.cutoff.ageMs)}); a shorter --older-than includes the older of them`;
  }
  const pending = plan.status === 'PENDING' ? '' : ' are PENDING and';
  return `${all}${pending || ' are'} younger than ${age} (still being delivered); --older-than 0 includes them`;
}

/** An age as the flag takes it: 7d, 6h, 30m, 90s. */
function ageFlag(ms: number): string {
  return formatAge(ms).replace(' min', 'm').replace(' ', '');
}
