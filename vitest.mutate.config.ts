import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests StrykerJS runs against each mutant (npm run mutate): those that exercise the safety
 * modules in this process. Tests that drive a child process (the terminal's, the sandbox's) would
 * only ever see the unmutated code, so they are left out here.
 */
export default mergeConfig(base, defineConfig({
  test: {
    include: ['test/domain/**/*.test.ts', 'test/slack/approval.test.ts', 'test/slack/runs.test.ts'],
    // Of the run tests, those that pin a safeguard; the rest test pacing and faults at length.
    testNamePattern: /^(?!.*runs on two replicas|.*(pauses between|holds while a VACUUM|retries when|shrinks a batch|finishes through|queues a second|cancels a queued)).*$/,
    sequence: { shuffle: false },
  },
}));
