import { App, HTTPReceiver } from '@slack/bolt';
import type { SlackConfig } from '../config.js';
import { boltLogger, type Log } from '../log.js';
import type { OpsRoute } from '../ops/ops-routes.js';

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * Socket Mode when SLACK_APP_TOKEN is set (local and firewalled use); otherwise HTTP, with slash
 * commands and interactivity both at POST /slack/events and the operators' routes (health,
 * readiness) beside them. Bolt verifies every HTTP request's v0 signature and answers 401 to a bad
 * or stale one. In Socket Mode the caller serves the operators' routes itself.
 */
export function createBoltApp(config: SlackConfig, log: Log, identity: BotIdentity, routes: readonly OpsRoute[]): App {
  const logger = boltLogger(log);
  // With both ids known (from our own auth.test at start), Bolt does not call auth.test again.
  const common = { token: config.botToken, logger, clientOptions: { slackApiUrl: config.apiUrl }, ...identity };
  if (config.mode === 'socket') {
    // The Socket Mode client opens its connection (apps.connections.open) through SLACK_API_URL too.
    return new App({
      ...common,
      appToken: config.appToken ?? '',
      socketMode: true,
      installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } },
    });
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret ?? '',
    endpoints: '/slack/events',
    logger,
    customRoutes: routes.map((route) => ({
      path: route.path,
      method: ['GET'],
      handler: (req, res) => void route.handler(req, res),
    })),
  });
  return new App({ ...common, receiver });
}
