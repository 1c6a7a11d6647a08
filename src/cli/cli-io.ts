import type { Readable } from 'node:stream';
import type { DatabaseConfig, Env, PurgeConfig } from '../config.js';
import type { Output } from './progress-display.js';

/**
 * 2: refused before anything was touched (bad usage, no confirmation, no ledger). 75 (EX_TEMPFAIL):
 * another purge holds the table; cron can simply try again later. 130: stopped (Ctrl-C, or Stop from
 * Slack). 141 (as a shell reports SIGPIPE): the output was closed, so the run stopped after its batch.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, busy: 75, interrupted: 130, outputClosed: 141 } as const;

/** The stop signal's reason when standard output or error was closed (`clear-telemetry … | head`). */
export const OUTPUT_CLOSED = 'its output was closed';
export const PROGRAM = 'clear-telemetry';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin: Readable & { isTTY?: boolean };
}

/** What a command past the arguments works with: the settings, the screen, and how to speak. */
export interface CommandDeps {
  database: DatabaseConfig;
  config: PurgeConfig;
  io: CliIo;
  /** LOG_LEVEL: the runner's log, on stderr (silent by default). */
  env: Env;
  say: (...lines: string[]) => void;
  /** Says which database this is, once connected to it. */
  connected: () => void;
  signal?: AbortSignal;
}
