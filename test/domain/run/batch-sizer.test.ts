import { describe, expect, it } from 'vitest';
import { BatchSizer, FIRST_BATCH_ROWS, MAX_SPAN_FACTOR } from '../../../src/domain/run/batch-sizer.js';

const sizer = (over: Partial<ConstructorParameters<typeof BatchSizer>[0]> = {}) =>
  new BatchSizer({ max: 100_000, min: 100, targetMs: 200, density: 1, ...over });

describe('BatchSizer', () => {
  it('starts at 10,000 rows, or the ceiling when it is lower', () => {
    expect(sizer().rows).toBe(FIRST_BATCH_ROWS);
    expect(sizer({ max: 500 }).rows).toBe(500);
  });

  it('grows a fast batch towards the target time, at most doubling, never above the ceiling', () => {
    const s = sizer();
    // 10,000 rows in 50 ms: a quarter of the target, so it doubles (not ×4).
    s.record(10_000, 10_000, 50);
    expect(s.rows).toBe(20_000);
    // 20,000 in 125 ms: ×1.6 brings it to about 200 ms.
    s.record(20_000, 20_000, 125);
    expect(s.rows).toBe(32_000);
    // Near the target: unchanged.
    expect(s.record(32_000, 32_000, 190)).toBeNull();
    expect(s.rows).toBe(32_000);
    for (let i = 0; i < 5; i++) s.record(s.span, s.rows, 10);
    expect(s.rows).toBe(100_000);
  });

  it('shrinks a slow batch in proportion, and says so', () => {
    const s = sizer({ max: 10_000 });
    expect(s.record(10_000, 10_000, 800)).toBe(
      'batch size lowered to 2,500 rows after a batch took 800 ms (target 200 ms)',
    );
    expect(s.rows).toBe(2_500);
    s.shrink();
    expect(s.rows).toBe(1_250);
  });

  it('spans as many ids as the last batch found rows at, within ten times the rows', () => {
    // ERROR is about one row in seven: 10,000 rows span about 70,000 ids.
    const s = sizer({ density: 1 / 7 });
    expect(s.span).toBe(70_000);
    // The next range turned out denser (one in two): the span follows it.
    s.record(70_000, 35_000, 190);
    expect(s.span).toBe(20_000);
    // A range with none of them widens, up to the cap that bounds the row locks.
    s.record(20_000, 0, 190);
    s.record(40_000, 0, 190);
    s.record(80_000, 0, 190);
    expect(s.span).toBe(10_000 * MAX_SPAN_FACTOR);
  });

  it('ends a batch a span on, or at the watermark when at most half a span would be left, within the ceiling', () => {
    const s = sizer();
    expect(s.lastId(1, 1_000_000)).toBe(10_000);
    // What is left fits in the span: the batch takes all of it.
    expect(s.lastId(1, 8_000)).toBe(8_000);
    // 5,000 ids would be left after a 10,000-id span: no batch of its own for them.
    expect(s.lastId(1, 15_000)).toBe(15_000);
    // 5,001 is more than half a span: a batch of its own.
    expect(s.lastId(1, 15_001)).toBe(10_000);
    // At the ceiling, the rest would hold more rows than a batch may lock.
    expect(sizer({ max: 10_000 }).lastId(1, 12_000)).toBe(10_000);
    // A sparse status counts the rows the rest should hold, not its ids.
    expect(sizer({ max: 14_000, density: 1 / 7 }).lastId(1, 98_000)).toBe(98_000);
    expect(sizer({ max: 13_000, density: 1 / 7 }).lastId(1, 98_000)).toBe(70_000);
  });

  it('never lets a batch of a dense status cover more ids than rows', () => {
    expect(sizer({ density: 1 }).span).toBe(FIRST_BATCH_ROWS);
    expect(sizer({ density: 5 }).span).toBe(FIRST_BATCH_ROWS);
  });
});
