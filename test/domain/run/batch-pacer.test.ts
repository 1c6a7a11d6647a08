import { afterEach, describe, expect, it } from 'vitest';
import { BatchPacer } from '../../../src/domain/run/batch-pacer.js';

/**
 * The rows-per-second ceiling, through the pacer itself: the rows it grants are counted, with no
 * database in the way. Only upper bounds on what it grants are asserted: a busy machine can make it
 * slower, never faster.
 */
const pacers: BatchPacer[] = [];
const pacer = (maxRowsPerSecond: number) => {
  const made = new BatchPacer({ maxRowsPerSecond, batchPauseMs: 0, batchPausePercent: 0 });
  pacers.push(made);
  return made;
};

afterEach(async () => {
  await Promise.all(pacers.splice(0).map((made) => made.close()));
});

describe('the rows-per-second ceiling', () => {
  it('grants no more rows than the ceiling, from its very first batch', async () => {
    const paced = pacer(2_000);
    const started = performance.now();
    let granted = 0;
    while (granted < 1_500) {
      await paced.turn(250);
      granted += 250;
      const elapsedMs = performance.now() - started;
      // The bucket starts empty: every grant was earned at 2 rows a millisecond, plus one refill.
      expect(granted).toBeLessThanOrEqual(elapsedMs * 2 + 200);
    }
  });

  it('saves up no more than the waiting batch while nobody asks (a Pause)', async () => {
    const paced = pacer(2_000);
    await paced.turn(100);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // 1,200 rows' worth of time went by. Had the bucket kept it, the next 1,100 rows would pass at
    // once. It keeps the waiting batch and one refill of 200 (300 rows), and one more refill may land
    // while it trims, so the other 600 rows wait for at least 3 refills: 200 ms, whatever the phase
    // of the refill timer, less a millisecond a refill for the timer's rounding.
    const started = performance.now();
    await paced.turn(100);
    await paced.turn(1_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('ends a wait at once when the run is stopped', async () => {
    const paced = pacer(100);
    const stop = new AbortController();
    const started = performance.now();
    const waiting = paced.turn(10_000, stop.signal);
    stop.abort();
    await waiting;
    // 10,000 rows at 100 rows/s would be 100 s.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('does not wait at all without a ceiling', async () => {
    expect(await pacer(0).turn(1_000_000)).toBe(false);
  });
});

describe('the pause after a batch', () => {
  it('lasts the fixed pause plus its share of the batch', () => {
    expect(new BatchPacer({ maxRowsPerSecond: 0, batchPauseMs: 30, batchPausePercent: 10 }).pauseMs(200)).toBe(50);
  });
});
