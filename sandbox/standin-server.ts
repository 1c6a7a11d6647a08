import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { readBody, sendJson, SlackStandIn } from './slack-standin.js';

/** Routes a caller adds beside Slack's (the sandbox's page): true when it answered. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

export interface StandInServer {
  /** `http://127.0.0.1:PORT`: the app's SLACK_API_URL is this plus `/api/`. */
  url: string;
  standIn: SlackStandIn;
  close(): Promise<void>;
}

/**
 * Slack's side on one loopback port: the Web API (`/api/…`), response_urls (`/hooks/…`) and the
 * Socket Mode connection (`/socket-mode`), for the app wherever it runs (a process of the sandbox's,
 * or a container on the host's network).
 */
export async function serveStandIn(options: {
  port: number;
  /** HTTP mode: where the app takes Slack's requests, and the secret it verifies them with. */
  http?: { appUrl: () => string; signingSecret: string };
  extra?: ExtraRoutes;
}): Promise<StandInServer> {
  let base = '';
  const standIn = new SlackStandIn({ publicUrl: () => base, ...(options.http ? { http: options.http } : {}) });
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST' && path.startsWith('/api/'))
      return sendJson(
        res,
        standIn.api(path.slice(5), await readBody(req), `${base.replace('http', 'ws')}/socket-mode`),
      );
    if (req.method === 'POST' && path.startsWith('/hooks/'))
      return sendJson(res, standIn.hook(path.slice(7), await readBody(req)));
    if (await options.extra?.(req, res, path)) return;
    sendJson(res, [404, { ok: false, error: 'not_found' }]);
  };
  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) =>
      sendJson(res, [500, { ok: false, error: error instanceof Error ? error.message : String(error) }]),
    );
  });
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/socket-mode') return socket.destroy();
    sockets.handleUpgrade(req, socket, head, (ws) => standIn.attach(ws));
  });
  await new Promise<void>((done) => server.listen(options.port, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    standIn,
    async close() {
      sockets.close();
      await new Promise((done) => server.close(done));
      server.closeAllConnections();
    },
  };
}
