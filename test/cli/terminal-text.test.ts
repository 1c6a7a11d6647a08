import { describe, expect, it } from 'vitest';
import { outcomeLines, type RunSummary } from '../../src/cli/terminal-text.js';
import { TERMINAL_WORDING } from '../../src/cli/terminal-wording.js';
import { overviewLines } from '../../src/domain/wording/status-and-history.js';
import { sampleRequest } from '../helpers/records.js';
import type { Plan } from '../../src/domain/plan/plan.js';

const plan = { status: 'ERROR', matching: 1_200, undo: { kind: 'none', forbidden: false } } as Plan;
const ran = (deleted: number): RunSummary => ({
  state: 'completed',
  deleted,
  batches: 1,
  durationMs: 80,
  method: 'native',
  error: null,
  requestId: 7,
  stopNote: null,
});

describe('outcomeLines', () => {
  it("keeps the Django command's success line when every previewed row was deleted", () => {
    expect(outcomeLines(ran(1_200), plan)).toEqual([
      "Successfully deleted 1,200 LearnPackWebhook records with status 'ERROR' in 80 ms (native, 1 batch)",
    ]);
  });

  it('says how many previewed rows were left, and why', () => {
    expect(outcomeLines(ran(1_197), plan)).toEqual([
      "Successfully deleted 1,197 LearnPackWebhook records with status 'ERROR' in 80 ms (native, 1 batch). " +
        '3 previewed records were not deleted: changed or already gone since the preview.',
    ]);
  });
});

describe('the terminal words for status and history', () => {
  const scheduled = sampleRequest({
    id: 2,
    state: 'awaiting_approval',
    source: 'slack',
    requesterId: 'policy:nightly-done',
    policy: 'nightly-done',
    approverId: null,
    expiresAt: new Date('2026-12-03T12:54:03Z'),
  });

  it('names a policy as the policy, and a person by their id', () => {
    expect(TERMINAL_WORDING.who('policy:nightly-done')).toBe('policy nightly-done');
    expect(TERMINAL_WORDING.who('terminal:ana@host')).toBe('terminal:ana@host');
    const [line] = overviewLines(
      { running: null, waiting: [scheduled], resumable: [], table: null, policies: [], silentMs: null },
      TERMINAL_WORDING,
    );
    expect(line).toContain('scheduled by policy nightly-done,');
  });
});
