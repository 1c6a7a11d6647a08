import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-network.ts'],
    // Files run in parallel; each has its own scratch database, so none sees another's rows.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
