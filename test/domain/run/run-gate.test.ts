import { afterEach, describe, expect, it } from 'vitest';
import type { HealthProbe, ReplicaLag } from '../../../src/domain/ports.js';
import type { RunControl, RunNote } from '../../../src/domain/run-ports.js';
import { HealthGate } from '../../../src/domain/run/health-gate.js';
import { RunGate } from '../../../src/domain/run/run-gate.js';
import { eventually } from '../../helpers/fake-slack.js';
import { sampleRequest } from '../../helpers/records.js';

/**
 * What a run obeys before each batch, through in-memory ports: the ledger's Stop and Pause, and the
 * database's health. Each case waits for what the gate did, never for a fixed time.
 */
const request = sampleRequest({ id: 7, state: 'running', runnerId: 'runner-a' });
const owned: RunControl = {
  state: 'running',
  runnerId: 'runner-a',
  stopRequestedBy: null,
  pausedBy: null,
  pausedAt: null,
};

/** The ledger's control row, as a test sets it; `null` is a request gone, a thrown error an unreadable ledger. */
let control: RunControl | null | Error;
let vacuum: boolean;
const notes: (RunNote | null)[] = [];
const warnings: string[] = [];
let gates: AbortController[] = [];

const probe: HealthProbe = {
  vacuumRunning: () => Promise.resolve(vacuum),
  replicas: () => Promise.resolve([] as ReplicaLag[]),
};

function gate(): { gate: RunGate; ended: ('stop' | 'lost')[] } {
  const ended: ('stop' | 'lost')[] = [];
  const signal = new AbortController();
  gates.push(signal);
  const made = new RunGate(
    request,
    {
      ledger: { control: () => (control instanceof Error ? Promise.reject(control) : Promise.resolve(control)) },
      reporter: { note: (_request, note) => void notes.push(note) },
      log: { info: () => undefined, warn: (_fields, message) => void warnings.push(message), error: () => undefined },
      runnerId: 'runner-a',
      health: new HealthGate(probe, {
        targetBatchMs: 1_000,
        slowBatchCooldownMs: 5_000,
        maxReplicaLagMs: 60_000,
        maxReplicaLagBytes: 1e9,
      }),
    },
    signal.signal,
    (reason) => {
      ended.push(reason);
      signal.abort();
    },
  );
  return { gate: made, ended };
}

afterEach(() => {
  for (const signal of gates) signal.abort();
  gates = [];
  control = owned;
  vacuum = false;
  notes.length = 0;
  warnings.length = 0;
});
control = owned;
vacuum = false;

describe('the gate before each batch', () => {
  it('lets a batch through at once when the run is its own and the database is well', async () => {
    const { gate: made, ended } = gate();
    await made.pass();
    expect(ended).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('ends the run on Stop, clicked on any replica', async () => {
    control = { ...owned, stopRequestedBy: 'UBOB' };
    const { gate: made, ended } = gate();
    await made.pass();
    expect(ended).toEqual(['stop']);
  });

  it('ends the run as lost when the ledger names another runner, or the request is gone', async () => {
    control = { ...owned, runnerId: 'runner-b' };
    const first = gate();
    await first.gate.pass();
    control = null;
    const second = gate();
    await second.gate.pass();
    expect([first.ended, second.ended]).toEqual([['lost'], ['lost']]);
  });

  it('waits while paused, says so once, and says it goes on when Continue is clicked', async () => {
    const since = new Date('2026-12-03T03:00:00Z');
    control = { ...owned, pausedBy: 'UBOB', pausedAt: since };
    const { gate: made, ended } = gate();
    let passed = false;
    const passing = made.pass().then(() => (passed = true));
    await eventually(() => expect(notes).toEqual([{ kind: 'paused', by: 'UBOB', since }]));
    expect(passed).toBe(false);

    control = owned;
    await passing;
    expect(notes).toEqual([{ kind: 'paused', by: 'UBOB', since }, null]);
    expect(ended).toEqual([]);
  });

  it('holds while a VACUUM works on the table, and goes on when it ends', async () => {
    vacuum = true;
    const { gate: made } = gate();
    const passing = made.pass();
    await eventually(() => expect(notes).toEqual([expect.objectContaining({ kind: 'held', cause: 'vacuum' })]));
    vacuum = false;
    await passing;
    expect(notes.at(-1)).toBeNull();
  });

  it('goes on when the ledger cannot be read: the batch checks ownership itself', async () => {
    control = new Error('connection reset');
    const { gate: made, ended } = gate();
    await made.pass();
    expect(ended).toEqual([]);
    expect(warnings).toEqual(['could not read the run control']);
  });
});
