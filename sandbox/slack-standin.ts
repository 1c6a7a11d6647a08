import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { blockKitViolations } from './block-kit-limits.js';
import { BOT, CHANNEL, ONCALL_GROUP, PEOPLE, personById } from './workspace.js';

/** A message in the channel (or a reply in a thread), as the app posted and last edited it. */
export interface ChannelMessage {
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs: string | null;
  edits: number;
}

/** A reply only one person sees ("Only visible to you"). */
export interface Ephemeral {
  id: number;
  userId: string;
  text: string;
  blocks: unknown[];
}

export type Reply = [status: number, body: Record<string, unknown>, headers?: Record<string, string>];

/** Slack's documented limits that the app must live with (https://docs.slack.dev/interactivity/handling-user-interaction, https://docs.slack.dev/reference/methods/chat.update). */
const ACK_DEADLINE_MS = 3_000;
const EDIT_EVERY_MS = 1_000;

/**
 * Slack's side of the conversation for the sandbox: the Web API methods the app calls, the
 * response_urls, and the delivery of slash commands and clicks, over Socket Mode (a WebSocket the
 * app opens through apps.connections.open) or HTTP (v0-signed POSTs to the app's /slack/events).
 * It holds the channel's messages, threads and ephemerals, and tells the page of every change.
 */
export class SlackStandIn {
  readonly messages = new Map<string, ChannelMessage>();
  readonly ephemerals: Ephemeral[] = [];
  /** Ack times in ms, newest last. */
  readonly acks: number[] = [];
  private readonly lastEdit = new Map<string, number>();
  private readonly responseUrls = new Map<string, { userId: string; ephemeral: number | null }>();
  private readonly waitingAcks = new Map<string, (payload: Record<string, unknown> | undefined) => void>();
  private socket: WebSocket | null = null;
  private clock = 1_700_000_000;
  private sequence = 0;
  private ephemeralIds = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly options: {
      /** Base URL the app is told to use for response_urls, e.g. http://127.0.0.1:PORT */
      publicUrl: () => string;
      /** HTTP mode: where the app listens for Slack's requests, and the secret it verifies. */
      http?: { appUrl: () => string; signingSecret: string };
    },
  ) {}

  get mode(): 'socket' | 'http' {
    return this.options.http ? 'http' : 'socket';
  }

  get connected(): boolean {
    return this.mode === 'http' || this.socket !== null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A Web API call from the app (`/api/<method>`). */
  api(method: string, body: Record<string, unknown>, socketUrl: string): Reply {
    switch (method) {
      case 'auth.test':
        return [
          200,
          { ok: true, user_id: BOT.id, bot_id: BOT.botId, team_id: 'T0SANDBOX', team: 'sandbox', user: BOT.name },
        ];
      case 'apps.connections.open':
        return [200, { ok: true, url: socketUrl }];
      case 'usergroups.users.list':
        return [200, { ok: true, users: body.usergroup === ONCALL_GROUP.id ? [...ONCALL_GROUP.members] : [] }];
      case 'chat.postMessage':
        return this.post(body);
      case 'chat.update':
        return this.update(body);
      case 'chat.getPermalink':
        return [200, { ok: true, permalink: `${this.options.publicUrl()}/#${text(body.message_ts)}` }];
      default:
        return [200, { ok: false, error: 'unknown_method' }];
    }
  }

  /** A post to a response_url: an ephemeral reply, or its replacement or deletion. */
  hook(id: string, body: Record<string, unknown>): Reply {
    const target = this.responseUrls.get(id);
    if (!target) return [404, { ok: false, error: 'expired_url' }];
    const previous =
      target.ephemeral === null ? -1 : this.ephemerals.findIndex((reply) => reply.id === target.ephemeral);
    if (body.delete_original === true) {
      if (previous >= 0) this.ephemerals.splice(previous, 1);
      target.ephemeral = null;
    } else {
      const reply = {
        id: ++this.ephemeralIds,
        userId: target.userId,
        text: text(body.text),
        blocks: (body.blocks as unknown[] | undefined) ?? [],
      };
      if (body.replace_original === true && previous >= 0) this.ephemerals.splice(previous, 1, reply);
      else this.ephemerals.push(reply);
      target.ephemeral = reply.id;
    }
    this.changed();
    return [200, { ok: true }];
  }

  /** The app connected over Socket Mode. */
  attach(socket: WebSocket): void {
    this.socket?.close();
    this.socket = socket;
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        connection_info: { app_id: 'A0SANDBOX' },
        debug_info: { host: 'sandbox' },
      }),
    );
    // Slack pings the app; a client that hears nothing for 30 s reconnects.
    const ping = setInterval(() => socket.ping(), 10_000);
    socket.on('message', (data: Buffer) => {
      const ack = JSON.parse(data.toString()) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (ack.envelope_id) this.waitingAcks.get(ack.envelope_id)?.(ack.payload);
    });
    socket.on('close', () => {
      clearInterval(ping);
      if (this.socket === socket) this.socket = null;
      this.changed();
    });
    this.changed();
  }

  /** A person typed `/clear-telemetry <text>`. Resolves with the ack time. */
  async command(userId: string, text: string): Promise<number> {
    const { url, id } = this.responseUrl(userId);
    const person = personById(userId);
    const payload = {
      token: 'sandbox',
      team_id: 'T0SANDBOX',
      team_domain: 'sandbox',
      channel_id: CHANNEL.id,
      channel_name: CHANNEL.name,
      user_id: userId,
      user_name: person?.name ?? userId,
      command: '/clear-telemetry',
      // As Slack sends it: `&`, `<` and `>` as entities.
      text: text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
      api_app_id: 'A0SANDBOX',
      is_enterprise_install: 'false',
      response_url: url,
      trigger_id: randomUUID(),
    };
    return this.deliver('slash_commands', payload, id);
  }

  /** A person clicked a button on message `ts`. Resolves with the ack time. */
  async click(
    userId: string,
    ts: string,
    action: { action_id: string; block_id: string; value: string; text: string },
  ): Promise<number> {
    const message = this.messages.get(ts);
    const { url, id } = this.responseUrl(userId);
    const person = personById(userId);
    const payload = {
      type: 'block_actions',
      user: { id: userId, username: person?.name ?? userId, name: person?.name ?? userId, team_id: 'T0SANDBOX' },
      api_app_id: 'A0SANDBOX',
      token: 'sandbox',
      trigger_id: randomUUID(),
      container: {
        type: 'message',
        message_ts: ts,
        channel_id: CHANNEL.id,
        is_ephemeral: false,
        ...(message?.threadTs ? { thread_ts: message.threadTs } : {}),
      },
      team: { id: 'T0SANDBOX', domain: 'sandbox' },
      channel: { id: CHANNEL.id, name: CHANNEL.name },
      message: {
        type: 'message',
        ts,
        bot_id: BOT.botId,
        text: message?.text ?? '',
        blocks: message?.blocks ?? [],
        ...(message?.threadTs ? { thread_ts: message.threadTs } : {}),
      },
      response_url: url,
      actions: [
        {
          action_id: action.action_id,
          block_id: action.block_id,
          type: 'button',
          value: action.value,
          text: { type: 'plain_text', text: action.text },
          action_ts: this.nextTs(),
        },
      ],
    };
    return this.deliver('interactive', payload, id);
  }

  /** What the page shows: the channel, the threads and every ephemeral (the page keeps each person's own). */
  snapshot() {
    const all = [...this.messages.values()];
    const replies = (ts: string) => all.filter((message) => message.threadTs === ts);
    return {
      channel: CHANNEL,
      people: PEOPLE,
      group: { id: ONCALL_GROUP.id, handle: ONCALL_GROUP.handle },
      mode: this.mode,
      connected: this.connected,
      acks: ackSummary(this.acks),
      messages: all
        .filter((message) => message.threadTs === null)
        .map((message) => ({ ...message, replies: replies(message.ts) })),
      ephemerals: this.ephemerals,
    };
  }

  private async deliver(
    type: 'slash_commands' | 'interactive',
    payload: Record<string, unknown>,
    hookId: string,
  ): Promise<number> {
    const started = performance.now();
    let answer: Record<string, unknown> | undefined;
    try {
      answer = this.options.http ? await this.postToApp(type, payload) : await this.sendOverSocket(type, payload);
    } catch (error) {
      this.acks.push(ACK_DEADLINE_MS);
      this.hook(hookId, {
        text: `:warning: /clear-telemetry failed with the error "${error instanceof Error ? error.message : String(error)}"`,
      });
      throw error;
    }
    const ms = performance.now() - started;
    this.acks.push(ms);
    // A command acked with a body: Slack shows that body as an ephemeral reply.
    if (answer && typeof answer.text === 'string') this.hook(hookId, answer);
    this.changed();
    return ms;
  }

  private sendOverSocket(type: string, payload: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('the app is not connected (it may be restarting)'));
    const envelopeId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waitingAcks.delete(envelopeId);
        reject(new Error('operation_timeout: the app did not acknowledge within 3 seconds'));
      }, ACK_DEADLINE_MS);
      this.waitingAcks.set(envelopeId, (answer) => {
        clearTimeout(timer);
        this.waitingAcks.delete(envelopeId);
        resolve(answer);
      });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type === 'slash_commands',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
    });
  }

  /** HTTP mode: the request Slack would send, v0-signed with the app's signing secret. */
  private async postToApp(
    type: string,
    payload: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    const http = this.options.http;
    if (!http) return undefined;
    const body =
      type === 'slash_commands'
        ? new URLSearchParams(payload as Record<string, string>).toString()
        : new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = Math.floor(Date.now() / 1_000);
    const signature = `v0=${createHmac('sha256', http.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(`${http.appUrl()}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
      },
      body,
      signal: AbortSignal.timeout(ACK_DEADLINE_MS),
    });
    if (!response.ok) throw new Error(`the app answered HTTP ${response.status}`);
    const text = await response.text();
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  }

  private post(body: Record<string, unknown>): Reply {
    if (body.channel !== CHANNEL.id) return [200, { ok: false, error: 'channel_not_found' }];
    const invalid = this.invalid(body);
    if (invalid) return invalid;
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : null;
    if (threadTs && !this.messages.has(threadTs)) return [200, { ok: false, error: 'thread_not_found' }];
    const ts = this.nextTs();
    this.messages.set(ts, {
      ts,
      text: text(body.text),
      blocks: (body.blocks as unknown[] | undefined) ?? [],
      threadTs,
      edits: 0,
    });
    this.changed();
    return [200, { ok: true, channel: CHANNEL.id, ts }];
  }

  /** chat.update: about one edit per second per message, else 429 with Retry-After (Slack's rule). */
  private update(body: Record<string, unknown>): Reply {
    const ts = text(body.ts);
    const message = this.messages.get(ts);
    if (!message) return [200, { ok: false, error: 'message_not_found' }];
    const now = Date.now();
    if (now - (this.lastEdit.get(ts) ?? 0) < EDIT_EVERY_MS)
      return [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' }];
    const invalid = this.invalid(body);
    if (invalid) return invalid;
    this.lastEdit.set(ts, now);
    Object.assign(message, {
      text: text(body.text),
      blocks: (body.blocks as unknown[] | undefined) ?? [],
      edits: message.edits + 1,
    });
    this.changed();
    return [200, { ok: true, channel: CHANNEL.id, ts }];
  }

  /** Block Kit's limits (50 blocks, 3,000 characters of section text, …): `invalid_blocks`, as Slack says. */
  private invalid(body: Record<string, unknown>): Reply | null {
    const blocks = body.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) return [200, { ok: false, error: 'invalid_blocks' }];
    const problems = blockKitViolations({ text: text(body.text), blocks: (blocks as unknown[] | undefined) ?? [] });
    return problems.length > 0 ? [200, { ok: false, error: 'invalid_blocks', errors: problems }] : null;
  }

  private responseUrl(userId: string): { url: string; id: string } {
    const id = randomUUID();
    this.responseUrls.set(id, { userId, ephemeral: null });
    return { url: `${this.options.publicUrl()}/hooks/${id}`, id };
  }

  private nextTs(): string {
    return `${this.clock + Math.floor(Date.now() / 1_000) - 1_700_000_000}.${String(++this.sequence).padStart(6, '0')}`;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function ackSummary(acks: readonly number[]): { count: number; lastMs: number | null; p99Ms: number | null } {
  if (acks.length === 0) return { count: 0, lastMs: null, p99Ms: null };
  const sorted = [...acks].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? null;
  return { count: acks.length, lastMs: Math.round(acks.at(-1) ?? 0), p99Ms: p99 === null ? null : Math.round(p99) };
}

/** A field of a request body as text ('' when it is not text). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** Reads a request body: JSON, or a form whose `blocks` (and `payload`) are JSON text, as the Web API sends them. */
export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) raw += (chunk as Buffer).toString();
  if (!raw) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json'))
    return JSON.parse(raw) as Record<string, unknown>;
  const fields: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  if (typeof fields.blocks === 'string') fields.blocks = JSON.parse(fields.blocks) as unknown;
  return fields;
}

export function sendJson(res: ServerResponse, [status, body, headers]: Reply): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
