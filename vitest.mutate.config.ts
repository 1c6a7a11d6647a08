import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (npm run mutate): the engine's, the gates' and the
 * ledger's own, on real PostgreSQL, which pin every rule the safety modules hold. The Slack and
 * terminal suites exercise the same rules end to end, but at seconds per test (and, for the
 * terminal, in a child process that only ever sees unmutated code), so they are left out here.
 * A config of its own: merging with vitest.config.ts would add its include list to this one.
 */
export default defineConfig({
  test: {
    include: ['test/domain/**/*.test.ts', 'test/db/ledger.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-network.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
