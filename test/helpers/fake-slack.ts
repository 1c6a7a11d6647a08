import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';

/** Where the app under test sends Web API calls (SLACK_API_URL) and response_url posts. */
export const SLACK_API_URL = 'https://slack.test/api/';
export const HOOKS = 'https://hooks.slack.test';
export const SIGNING_SECRET = 'test-signing-secret';

export interface Call {
  method: string;
  body: Record<string, unknown>;
  at: number;
  /** Whether the fake answered 200 with ok: true (Slack took it). */
  delivered: boolean;
}

/** Message timestamps never repeat within a test file, as in Slack. */
let messages = 0;

type Scripted = { status: number; body?: Record<string, unknown>; headers?: Record<string, string> };

/**
 * Slack's side of the conversation, through nock: records every Web API call (form bodies decoded,
 * `blocks` parsed) and every response_url post, and answers like Slack unless a reply is scripted.
 */
export class FakeSlack {
  readonly calls: Call[] = [];
  readonly responses: { url: string; body: Record<string, unknown> }[] = [];
  readonly groups = new Map<string, string[]>();
  private readonly scripted = new Map<string, Scripted[]>();
  private outageUntil = 0;
  private outageReplies: Scripted[] = [];
  /** Web API base URL and response_url base the app under test must use. */
  apiUrl = SLACK_API_URL;
  hooks = HOOKS;
  private server: Server | null = null;

  /** In-process: nock answers for Slack. Use `FakeSlack.serve()` when the app runs in a child process. */
  constructor(intercept = true) {
    if (!intercept) return;
    // One Slack at a time: a fake from an earlier setup step would answer first.
    nock.cleanAll();
    nock('https://slack.test')
      .persist()
      .post(/^\/api\/[\w.]+$/)
      .reply((uri, requestBody) => this.answer(uri.replace('/api/', ''), requestBody));
    nock(HOOKS)
      .persist()
      .post(/.*/)
      .reply((uri, requestBody) => this.hook(`${HOOKS}${uri}`, requestBody));
  }

  /** The same fake as a real HTTP server on 127.0.0.1, for apps running in child processes. */
  static async serve(): Promise<FakeSlack> {
    const fake = new FakeSlack(false);
    fake.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = req.url ?? '';
        const [status, reply, headers] = url.startsWith('/api/')
          ? fake.answer(url.slice('/api/'.length), body)
          : fake.hook(`${fake.hooks}${url.replace(/^\/hooks/, '')}`, body ? (JSON.parse(body) as unknown) : {});
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(typeof reply === 'string' ? reply : JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => fake.server?.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.apiUrl = `http://127.0.0.1:${port}/api/`;
    fake.hooks = `http://127.0.0.1:${port}/hooks`;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  /** Every Web API call fails this way for `ms` (Slack down, or rate limiting everything). */
  outage(ms: number, ...replies: Scripted[]): void {
    this.outageUntil = Date.now() + ms;
    this.outageReplies = replies;
  }

  /** When the current outage ends (ms since the epoch). */
  get outageEnds(): number {
    return this.outageUntil;
  }

  /** Forgets what was recorded (the answers stay as configured). */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
  }

  /** The next `times` calls of `method` get this answer instead of the usual one. */
  script(method: string, reply: Scripted, times = 1): void {
    const queue = this.scripted.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(reply);
    this.scripted.set(method, queue);
  }

  of(method: string): Call[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Thread replies under `ts` that Slack took, as plain text. */
  thread(ts: string): string[] {
    return this.of('chat.postMessage')
      .filter((call) => call.body.thread_ts === ts && call.delivered)
      .map((call) => String(call.body.text));
  }

  ephemeralTexts(): string[] {
    return this.responses.map((response) => String(response.body.text));
  }

  private hook(url: string, requestBody: unknown): [number, string, Record<string, string>?] {
    this.responses.push({ url, body: requestBody as Record<string, unknown> });
    return [200, 'ok'];
  }

  private answer(method: string, requestBody: unknown): [number, Record<string, unknown>, Record<string, string>?] {
    const call: Call = { method, body: decode(requestBody), at: Date.now(), delivered: false };
    this.calls.push(call);
    const reply = this.reply(method, call.body);
    call.delivered = reply[0] === 200 && reply[1].ok === true;
    return reply;
  }

  private reply(
    method: string,
    body: Record<string, unknown>,
  ): [number, Record<string, unknown>, Record<string, string>?] {
    const down = this.outageReplies[this.calls.length % Math.max(1, this.outageReplies.length)];
    if (Date.now() < this.outageUntil && down)
      return [down.status, down.body ?? { ok: false, error: 'ratelimited' }, down.headers];
    const scripted = this.scripted.get(method)?.shift();
    if (scripted) return [scripted.status, scripted.body ?? { ok: false, error: 'ratelimited' }, scripted.headers];
    switch (method) {
      case 'auth.test':
        return [200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }];
      case 'chat.postMessage':
        return [200, { ok: true, channel: body.channel, ts: `1700000000.${String(++messages).padStart(6, '0')}` }];
      case 'chat.update':
        return [200, { ok: true, channel: body.channel, ts: body.ts }];
      case 'chat.getPermalink':
        return [
          200,
          {
            ok: true,
            channel: body.channel,
            permalink: `https://example.slack.com/archives/${String(body.channel)}/p${String(body.message_ts).replace('.', '')}`,
          },
        ];
      case 'usergroups.users.list':
        return [200, { ok: true, users: this.groups.get(String(body.usergroup)) ?? [] }];
      default:
        return [200, { ok: false, error: 'unknown_method' }];
    }
  }
}

function decode(requestBody: unknown): Record<string, unknown> {
  const fields =
    typeof requestBody === 'string'
      ? Object.fromEntries(new URLSearchParams(requestBody))
      : (requestBody as Record<string, unknown>);
  if (typeof fields.blocks === 'string') fields.blocks = JSON.parse(fields.blocks) as unknown;
  return fields;
}

/** Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export async function postSigned(
  port: number,
  body: string,
  options: { timestamp?: number; signature?: string | null } = {},
): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
  };
  const signature = options.signature === undefined ? sign(body, timestamp) : options.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  return fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers, body });
}

let responseUrls = 0;

/** Types `/clear-telemetry <text>` as `user` in `channel`; returns the HTTP response (the ack). */
export function slashCommand(
  port: number,
  text: string,
  user = 'UREQUESTER',
  channel = 'COPS',
  hooks = HOOKS,
): Promise<Response> {
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    team_domain: 'example',
    channel_id: channel,
    channel_name: 'ops',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/clear-telemetry',
    // As Slack sends it: `&`, `<` and `>` as entities.
    text: text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: `${hooks}/commands/T1/${++responseUrls}`,
    trigger_id: '1.2.3',
  }).toString();
  return postSigned(port, body);
}

/** Clicks a button on the message `ts` in `channel`, as `user`. */
export function click(
  port: number,
  actionId: string,
  value: string,
  user: string,
  ts: string,
  channel = 'COPS',
  hooks = HOOKS,
  /** Set when the clicked message is a reply in a thread: Slack then sends the thread's ts too. */
  threadTs?: string,
): Promise<Response> {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: '1.2.3',
    container: {
      type: 'message',
      message_ts: ts,
      channel_id: channel,
      is_ephemeral: false,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    },
    team: { id: 'T1', domain: 'example' },
    channel: { id: channel, name: 'ops' },
    message: {
      type: 'message',
      ts,
      bot_id: 'BBOT',
      text: 'preview',
      blocks: [],
      ...(threadTs ? { thread_ts: threadTs } : {}),
    },
    response_url: `${hooks}/actions/T1/${++responseUrls}`,
    actions: [
      {
        action_id: actionId,
        block_id: 'b',
        type: 'button',
        text: { type: 'plain_text', text: 'x' },
        value,
        action_ts: '1700000001.000001',
      },
    ],
  };
  return postSigned(port, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

/** Polls until `check` stops throwing (or `timeoutMs` passes, then throws its last error). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
