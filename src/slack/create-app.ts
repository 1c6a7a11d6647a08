import { App, HTTPReceiver } from '@slack/bolt';
import type { SlackConfig } from '../config.js';
import { boltLogger, type Log } from '../log.js';

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * Socket Mode when SLACK_APP_TOKEN is set (local and firewalled use); otherwise HTTP, with slash
 * commands and interactivity both at POST /slack/events, and nothing else on that port: it faces the
 * internet through the load balancer. Bolt verifies every HTTP request's v0 signature and answers 401
 * to a bad or stale one. The operators' routes have a port of their own (OPS_PORT).
 */
export function createBoltApp(config: SlackConfig, log: Log, identity: BotIdentity): App {
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
  });
  return new App({ ...common, receiver });
}
