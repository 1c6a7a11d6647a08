import { describe, expect, it } from 'vitest';
import { overviewLines, silentFor } from '../../../src/domain/wording/status-and-history.js';
import type { PurgeRequestRecord } from '../../../src/domain/request/request.js';

const now = new Date('2026-11-29T03:00:00Z');
const running = {
  id: 4,
  state: 'running',
  source: 'terminal',
  requesterId: 'terminal:ana@host',
  approverId: 'terminal:ana@host',
  pausedBy: null,
  policy: null,
  reason: null,
  runnerId: null,
  unresponsiveSince: null,
  heartbeatAt: new Date(now.getTime() - 45_000),
  plan: { status: 'PENDING', matching: 200 },
  position: { deleted: 50, batches: 1, lastId: 50 },
} as unknown as PurgeRequestRecord;
const words = {
  who: (id: string) => id,
  link: () => '',
  date: (date: Date) => date.toISOString(),
  resume: (id: number) => `resume ${id}`,
  userText: (text: string) => text,
};

describe('status of a run whose process may have died', () => {
  it('counts a heartbeat as silent only past the staleness limit', () => {
    expect(silentFor(running, now, 30_000)).toBe(45_000);
    expect(silentFor(running, now, 45_000)).toBeNull();
    expect(silentFor({ heartbeatAt: null }, now, 30_000)).toBeNull();
    expect(silentFor(null, now, 30_000)).toBeNull();
  });

  it('warns under the run line when it is silent', () => {
    const view = { running, waiting: [], resumable: [], table: null, policies: [] };
    expect(overviewLines({ ...view, silentMs: 45_000 }, words)).toEqual([
      'Running: #4, 50 of 200 webhooks with status PENDING deleted (25.0%), requested in the terminal by terminal:ana@host, approved by terminal:ana@host',
      "Warning: #4 has sent no heartbeat for 45.0 s: its process may have died. The bot's janitor, or the next terminal run, marks it interrupted; an approver can then resume it.",
    ]);
    expect(overviewLines({ ...view, silentMs: null }, words)).toHaveLength(1);
  });
});
