import type { Readable } from 'node:stream';
import type { Output } from './progress-display.js';

/** 75 (EX_TEMPFAIL): another purge holds the table; cron can simply try again later. */
export const EXIT = { ok: 0, failure: 1, usage: 2, busy: 75, interrupted: 130 } as const;
export const PROGRAM = 'clear-telemetry';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin: Readable & { isTTY?: boolean };
}
