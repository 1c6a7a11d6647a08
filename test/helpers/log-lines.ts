import { Writable } from 'node:stream';
import { createLog, type Log } from '../../src/log.js';

export interface LogLine {
  level: number;
  msg: string;
  event?: string;
  [field: string]: unknown;
}

/** The app's real JSON log, kept in memory: a test reads the lines it wrote. */
export function keptLog(level = 'info'): { log: Log; lines: LogLine[]; events: (event: string) => LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return {
    log: createLog(level, sink),
    lines,
    events: (event) => lines.filter((line) => line.event === event),
  };
}
