import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests StrykerJS runs against each mutant (npm run mutate): the engine's and the ledger's own,
 * on real PostgreSQL, which pin every rule the safety modules hold. The Slack and terminal suites
 * exercise the same rules end to end, but at seconds per test (and, for the terminal, in a child
 * process that only ever sees unmutated code), so they are left out here.
 */
export default mergeConfig(base, defineConfig({
  test: {
    include: ['test/domain/**/*.test.ts', 'test/db/ledger.test.ts'],
    sequence: { shuffle: false },
  },
}));
