import type { Readable } from 'node:stream';
import type { DatabaseConfig, Env, PurgeConfig } from '../config.js';
import type { Output } from './progress-display.js';

/** 75 (EX_TEMPFAIL): another purge holds the table; cron can simply try again later. */
export const EXIT = { ok: 0, failure: 1, usage: 2, busy: 75, interrupted: 130 } as const;
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
