import Bottleneck from 'bottleneck';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLog } from '../../src/log.js';
import { SlackGateway } from '../../src/slack/slack-gateway.js';
import { eventually, FakeSlack, SLACK_API_URL } from '../helpers/fake-slack.js';
import { TEST_LIMITS } from '../helpers/test-app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const connections: Bottleneck.IORedisConnection[] = [];

/** Redis is optional on a laptop (the test is skipped, saying why) and required in CI. */
async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
const redis = await redisAnswers();
if (!redis && !process.env.CI)
  console.log(`Skipping the shared Slack limits test: no Redis at ${REDIS_URL} (set TEST_REDIS_URL; CI requires it).`);

afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.disconnect()));
});

/** One "replica": its own Slack client and gateway, sharing limits through Redis. */
function replica(): SlackGateway {
  const connection = new Bottleneck.IORedisConnection({ client: new Redis(REDIS_URL) });
  connections.push(connection);
  const client = new WebClient('xoxb-test', {
    slackApiUrl: SLACK_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  return new SlackGateway(client, {
    limits: { ...TEST_LIMITS, postSpacingMs: 250 },
    log: createLog('silent'),
    outbox: null,
    owner: 'test',
    connection,
  });
}

describe.skipIf(!redis && !process.env.CI)('REDIS_URL: Slack limits shared by replicas', () => {
  it("keeps posts to one channel a second apart (here 250 ms) across two processes' gateways", async () => {
    const slack = new FakeSlack();
    const [a, b] = [replica(), replica()];
    const channel = `CSHARED${Date.now()}`;
    const message = { text: 'x', blocks: [] };
    await Promise.all([1, 2, 3].flatMap(() => [a.post(channel, message), b.post(channel, message)]));
    await eventually(() => expect(slack.of('chat.postMessage')).toHaveLength(6));
    const times = slack.of('chat.postMessage').map((call) => call.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    // Spaced at sending; they are timed on arrival, which a busy machine delays by up to 100 ms (CI
    // measured 196 ms). Unshared, the two replicas' posts would arrive together.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150);
    await Promise.all([a.close(), b.close()]);
  });
});
