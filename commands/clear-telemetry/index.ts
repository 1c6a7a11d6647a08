import type { App } from '@slack/bolt';
import {
  cancelCallback,
  confirmCallback,
  continueCallback,
  pauseCallback,
  resumeCallback,
  restoreCallback,
  stopCallback,
  unknownActionCallback,
} from './action-callbacks.js';
import { commandCallback } from './command-callback.js';
import type { ClearTelemetryDeps } from './deps.js';
import { ACTION, COMMAND, UNKNOWN_ACTION } from './ids.js';

import { expireDueRequests } from './decide-request.js';
import { runPolicies } from './run-policies.js';

export { terminalAnnouncer, type TerminalAnnouncer } from './terminal-announcer.js';
export { SlackReporter } from './slack-reporter.js';
export { PREVIEW_LIMITS, PreviewLimits, type PreviewLimitSettings } from './preview-limits.js';
export type { ClearTelemetryDeps } from './deps.js';

/** Wires /clear-telemetry into the app, and nothing else. */
export function registerClearTelemetry(app: App, deps: ClearTelemetryDeps): void {
  app.command(COMMAND, commandCallback(deps));
  app.action(ACTION.confirm, confirmCallback(deps));
  app.action(ACTION.cancel, cancelCallback(deps));
  app.action(ACTION.stop, stopCallback(deps));
  app.action(ACTION.pause, pauseCallback(deps));
  app.action(ACTION.continue, continueCallback(deps));
  app.action(ACTION.resume, resumeCallback(deps));
  app.action(ACTION.restore, restoreCallback(deps));
  // Slack shows the clicker an error when a click is not acked within 3 s: ack it, log it, do nothing.
  app.action(UNKNOWN_ACTION, unknownActionCallback(deps));
}

/**
 * The command's share of the janitor's round, on every replica: close expired previews, then run
 * the retention policies' due slots (each claimed by one process in the ledger).
 */
export async function clearTelemetryChores(deps: ClearTelemetryDeps): Promise<void> {
  await expireDueRequests(deps);
  if (deps.policies) await runPolicies(deps, deps.policies);
}
