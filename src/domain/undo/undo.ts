import { UsageError } from '../../errors.js';

/** Archiving (`--archive`): required, allowed or forbidden (CLEAR_TELEMETRY_ARCHIVE). */
export type ArchiveMode = 'always' | 'optional' | 'never';

/** What a plan lets be undone: the deleted rows archived for some days, or nothing. */
export type Undo =
  | {
      kind: 'archive';
      days: number;
      /** Estimated from the table's average row size; null when unknown. */ bytes: number | null;
    }
  | {
      kind: 'none';
      /** CLEAR_TELEMETRY_ARCHIVE=never: nobody may archive here. */
      forbidden: boolean;
      /** The database has no ledger (a terminal run with --unrecorded): there is nothing to archive into. */
      noLedger?: boolean;
    };

export const DEFAULT_ARCHIVE_DAYS = 7;

export interface UndoPolicy {
  archiveMode?: ArchiveMode;
  /** How long archived rows stay restorable. */
  archiveDays?: number;
}

/**
 * Whether the run archives what it deletes: `--archive`, or always under CLEAR_TELEMETRY_ARCHIVE=always.
 * Under `never` asking for it is refused before anything is counted or touched. The size is the
 * table's bytes per row version (its size on disk over its live and dead rows, or the census's count
 * when that is more) times `rows`.
 */
export function planUndo(
  archive: boolean | undefined,
  policy: UndoPolicy,
  rows: number,
  table: { bytes: number | null; rows: number },
): Undo {
  const mode = policy.archiveMode ?? 'optional';
  if (mode === 'never') {
    if (archive)
      throw new UsageError(
        '--archive is turned off here (CLEAR_TELEMETRY_ARCHIVE=never): deleted rows cannot be kept. Run it without --archive.',
      );
    return { kind: 'none', forbidden: true };
  }
  if (mode === 'optional' && !archive) return { kind: 'none', forbidden: false };
  const bytes = table.bytes === null || table.rows === 0 ? null : Math.round((rows * table.bytes) / table.rows);
  return { kind: 'archive', days: policy.archiveDays ?? DEFAULT_ARCHIVE_DAYS, bytes };
}

/** The same undo for `rows` of the `of` rows it was estimated for (`--limit` cuts a plan). */
export function undoFor(undo: Undo, rows: number, of: number): Undo {
  return undo.kind === 'archive' && undo.bytes !== null && of > 0
    ? { ...undo, bytes: Math.round((undo.bytes * rows) / of) }
    : undo;
}
