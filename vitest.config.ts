import { defineConfig } from 'vitest/config';

// Tests run in a shuffled order, so none can lean on another's leftovers. The seed is printed;
// TEST_SEED=<seed> npm test repeats an order.
const seed = Number(process.env.TEST_SEED) || Math.floor(Math.random() * 1_000_000);
process.env.TEST_SEED = String(seed);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-network.ts'],
    // Files run in parallel; each has its own scratch database, so none sees another's rows.
    pool: 'forks',
    sequence: { shuffle: true, seed },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
