import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP route for operators (health, readiness, metrics), served on OPS_PORT, never on Slack's port. */
export interface OpsRoute {
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** One readiness check: a name, and a promise that rejects (with a reason) when it is not ready. */
export type ReadinessCheck = [name: string, check: () => Promise<void>];

/**
 * `/healthz`: the process is up and serving (liveness: restart it when this fails).
 * `/readyz`: it can do its work: the database answers, the migrations are applied, Slack took the
 * token (readiness: send it no traffic while this fails). Each check has a 2 s budget.
 */
export function healthRoutes(checks: readonly ReadinessCheck[]): OpsRoute[] {
  return [
    { path: '/healthz', handler: (_req, res) => send(res, 200, { status: 'ok' }) },
    {
      path: '/readyz',
      handler: async (_req, res) => {
        const results = await Promise.all(
          checks.map(
            async ([name, check]) =>
              [
                name,
                await withinBudget(check()).then(
                  () => 'ok',
                  (error: unknown) => describe(error),
                ),
              ] as const,
          ),
        );
        const ready = results.every(([, result]) => result === 'ok');
        send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
      },
    },
  ];
}

/**
 * The operators' routes on a port of their own (OPS_PORT), in both modes: an ingress can expose
 * Slack's port alone, and /metrics (request ids, table counts) and /readyz (its checks' errors) stay
 * inside the cluster, for probes and scrapers.
 */
export async function serveOpsRoutes(
  routes: readonly OpsRoute[],
  port: number,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const route = routes.find((candidate) => req.method === 'GET' && (req.url ?? '').split('?')[0] === candidate.path);
    if (!route) return send(res, 404, { status: 'not found' });
    Promise.resolve(route.handler(req, res)).catch(() => send(res, 500, { status: 'error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function send(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function withinBudget(work: Promise<void>, ms = 2_000): Promise<void> {
  return Promise.race([
    work,
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms / 1_000} s`)), ms).unref(),
    ),
  ]);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
