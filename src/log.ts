import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { pino, type Logger } from 'pino';

export type Log = Logger;

/** One JSON line per event. Tokens and secrets are never logged. */
export function createLog(level: string, destination?: NodeJS.WritableStream): Log {
  return pino(
    {
      level,
      base: { app: 'clear-telemetry' },
      redact: { paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** Bolt's logger interface on top of pino, so Bolt's own lines are JSON too. */
export function boltLogger(log: Log): BoltLogger {
  const child = log.child({ component: 'bolt' });
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) =>
      child[level](msg.map(String).join(' '));
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    // LOG_LEVEL decides; Bolt would otherwise reset it to its own default.
    setLevel: () => undefined,
    getLevel: () => child.level as LogLevel,
    setName: () => undefined,
  };
}
