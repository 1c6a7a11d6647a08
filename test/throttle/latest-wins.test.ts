import { describe, expect, it, vi } from 'vitest';
import { LatestWins } from '../../src/throttle/latest-wins.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LatestWins', () => {
  it('sends the first state at once, then only the latest, and the final one last', async () => {
    const sent: string[] = [];
    const throttle = new LatestWins<string>({ id: 't1', minTime: 200, send: (state) => void sent.push(state) });
    throttle.offer('1');
    // Sent at once: the later states arrive while it is the only one sent, within its spacing.
    await vi.waitFor(() => expect(sent).toEqual(['1']), { interval: 1 });
    for (const state of ['2', '3', '4']) throttle.offer(state);
    await throttle.final('done');
    expect(sent).toEqual(['1', 'done']);
  });

  it('keeps at least minTime between sends', async () => {
    const at: number[] = [];
    const throttle = new LatestWins<number>({ id: 't2', minTime: 100, send: () => void at.push(Date.now()) });
    for (let i = 0; i < 10; i++) {
      throttle.offer(i);
      await sleep(30);
    }
    await throttle.final(99);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(95);
  });

  it('retries a failed final send after the delay it is given', async () => {
    let calls = 0;
    const throttle = new LatestWins<string>({
      id: 't3',
      minTime: 0,
      send: () => {
        calls += 1;
        if (calls < 3) throw new Error('ratelimited');
      },
      retryDelay: (_error, attempt, final) => (final && attempt < 5 ? 10 : null),
    });
    await throttle.final('done');
    expect(calls).toBe(3);
  });

  // Bottleneck can drop a new job when the one waiting leaves the queue while it is admitted; the
  // final state must survive that, whatever the timing.
  it('never loses the final state, over many interleavings', async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const sent: string[] = [];
        const throttle = new LatestWins<string>({
          id: `race-${i}`,
          minTime: 5,
          send: async (state) => {
            await sleep(i % 3);
            sent.push(state);
          },
        });
        for (let k = 0; k < (i % 5) + 1; k++) {
          throttle.offer(`p${k}`);
          await sleep(i % 4);
        }
        await throttle.final('final');
        await throttle.close();
        return sent.at(-1);
      }),
    );
    expect(results.filter((last) => last !== 'final')).toEqual([]);
  });
});
