import { describe, expect, it } from 'vitest';
import { overview, overviewLines } from '../../src/domain/overview.js';
import type { PurgeRequestRecord } from '../../src/domain/request.js';

const now = new Date('2026-11-29T03:00:00Z');
const running = (heartbeatAt: Date) =>
  ({
    id: 4,
    state: 'running',
    source: 'terminal',
    requesterId: 'terminal:ana@host',
    approverId: 'terminal:ana@host',
    pausedBy: null,
    heartbeatAt,
    plan: { status: 'PENDING', matching: 200 },
    position: { deleted: 50, batches: 1, lastId: 50 },
  }) as unknown as PurgeRequestRecord;
const ledger = (request: PurgeRequestRecord) => ({ running: () => Promise.resolve(request), list: () => Promise.resolve([]) });
const words = { who: (id: string) => id, link: () => '', date: (date: Date) => date.toISOString() };

describe('status of a run whose process may have died', () => {
  it('warns once the heartbeat is older than the staleness limit, and not before', async () => {
    const silent = await overview(ledger(running(new Date(now.getTime() - 45_000))), () => Promise.resolve(null), now, 30_000);
    expect(overviewLines(silent, words)).toEqual([
      'Running: #4, 50 of 200 webhooks with status PENDING deleted (25.0%), requested in the terminal by terminal:ana@host, approved by terminal:ana@host',
      "Warning: #4 has sent no heartbeat for 45.0 s: its process may have died. The bot's janitor, or the next terminal run, marks it interrupted; an approver can then resume it.",
    ]);
    const alive = await overview(ledger(running(new Date(now.getTime() - 30_000))), () => Promise.resolve(null), now, 30_000);
    expect(overviewLines(alive, words)).toHaveLength(1);
  });
});
