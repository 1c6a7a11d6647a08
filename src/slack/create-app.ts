import { App, HTTPReceiver } from '@slack/bolt';
import type { SlackConfig } from '../config.js';
import { boltLogger, type Log } from '../log.js';

export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * Socket Mode when SLACK_APP_TOKEN is set (local and firewalled use); otherwise HTTP, with slash
 * commands and interactivity both at POST /slack/events and a health check for the load balancer.
 * Bolt verifies every HTTP request's v0 signature and answers 401 to a bad or stale one.
 */
export function createBoltApp(config: SlackConfig, log: Log, identity: BotIdentity): App {
  const logger = boltLogger(log);
  // With both ids known (from our own auth.test at start), Bolt does not call auth.test again.
  const common = { token: config.botToken, logger, clientOptions: { slackApiUrl: config.apiUrl }, ...identity };
  if (config.mode === 'socket') {
    return new App({ ...common, appToken: config.appToken ?? '', socketMode: true });
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret ?? '',
    endpoints: '/slack/events',
    logger,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        },
      },
    ],
  });
  return new App({ ...common, receiver });
}
