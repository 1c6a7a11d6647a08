/** The sandbox's Slack stand-in enforces these limits; the tests check rendered messages with the same code. */
export { blockKitViolations } from '../../sandbox/block-kit-limits.js';
