import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { projectPath } from '../src/project-root.js';
import { AppProcess } from './app-process.js';
import { openSandboxDatabase, sayLeftover, TableWatch, type DatabaseOptions } from './database.js';
import { readBody, sendJson, type SlackStandIn, text } from './slack-standin.js';
import { serveStandIn } from './standin-server.js';
import { ACCESS_ENV, PEOPLE } from './workspace.js';
import { freePort } from '../dev/free-port.js';

const PAGE = projectPath('sandbox/page');
const PARSER = projectPath('node_modules/slack-message-parser/esm');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
};
const SIGNING_SECRET = 'sandbox-signing-secret';

export interface SandboxOptions extends Omit<DatabaseOptions, 'log'> {
  /** HTTP mode (signed requests to /slack/events) instead of Socket Mode. */
  http: boolean;
  /** The page's port; 0 picks a free one. */
  port: number;
  log: (line: string) => void;
  /** Extra settings for the app (e.g. a slower pace for a rehearsal). */
  appEnv?: Record<string, string>;
}

export interface RunningSandbox {
  url: string;
  /** The database's URL, for the terminal command. */
  databaseUrl: string;
  /** Where the app's log lines are written, if anywhere. */
  appLogFile: string | null;
  /** The app's Slack port (HTTP mode's requests). */
  appPort: number;
  /** The app's operators' port: /healthz, /readyz, /metrics. */
  opsPort: number;
  standIn: SlackStandIn;
  app: AppProcess;
  databaseDescription: string;
  stop(): Promise<void>;
}

/**
 * `npm run sandbox`: a database (embedded unless DATABASE_URL is set), the Slack stand-in and its
 * page on one port, and the unmodified app started as `npm start` starts it, pointed at them.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const appPidFile = options.folder ? join(options.folder, 'app.pid') : null;
  // The app's log lines, kept for a person to read (the terminal shows them with --verbose only).
  const appLogFile = options.folder ? join(options.folder, 'app.log') : null;
  if (appPidFile) sayLeftover(await AppProcess.stopLeftover(appPidFile), 'app', options.log);
  const database = await openSandboxDatabase({ ...options, log: options.log });
  const appLog = appLogFile ? createWriteStream(appLogFile, { flags: 'w' }) : null;
  appLog?.on('error', () => undefined);
  const watch = new TableWatch(database.url);
  await watch.open();
  let appPort = 0;
  const server = await serveStandIn({
    port: options.port,
    ...(options.http ? { http: { appUrl: () => `http://127.0.0.1:${appPort}`, signingSecret: SIGNING_SECRET } } : {}),
    extra: (req, res, path) => pageRoute(req, res, path),
  });
  const { standIn, url: base } = server;
  const events = new Set<ServerResponse>();
  let counts: Record<string, number> = {};
  const broadcast = () => {
    const state = JSON.stringify({
      ...standIn.snapshot(),
      counts,
      database: database.description,
      seeded: database.seeded,
      appRunning: app.running,
    });
    for (const res of events) res.write(`data: ${state}\n\n`);
  };
  let pending: NodeJS.Timeout | null = null;
  standIn.onChange(() => {
    pending ??= setTimeout(() => {
      pending = null;
      broadcast();
    }, 50);
  });

  appPort = await freePort();
  const opsPort = await freePort();

  const app = new AppProcess(
    {
      DATABASE_URL: database.url,
      SLACK_BOT_TOKEN: 'xoxb-sandbox',
      ...(options.http ? { SLACK_SIGNING_SECRET: SIGNING_SECRET } : { SLACK_APP_TOKEN: 'xapp-sandbox' }),
      SLACK_API_URL: `${base}/api/`,
      PORT: String(appPort),
      OPS_PORT: String(opsPort),
      CLEAR_TELEMETRY_ENVIRONMENT: 'sandbox',
      ...ACCESS_ENV,
      ...options.appEnv,
    },
    (line) => {
      options.log(`app: ${line}`);
      appLog?.write(`${line}\n`);
    },
    appPidFile,
  );

  /** The page and what it asks for, beside Slack's routes. */
  async function pageRoute(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      events.add(res);
      req.on('close', () => events.delete(res));
      broadcast();
      return true;
    }
    if (req.method === 'POST' && path.startsWith('/sandbox/')) {
      sendJson(res, [200, await control(path.slice(9), await readBody(req))]);
      return true;
    }
    if (req.method === 'GET') {
      await serveFile(res, path);
      return true;
    }
    return false;
  }

  /** What the page asks for: type a command, click a button, add rows, crash the app. */
  async function control(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const user = text(body.user);
    if (!PEOPLE.some((person) => person.id === user) && (action === 'command' || action === 'click'))
      return { ok: false, error: 'unknown user' };
    switch (action) {
      case 'command': {
        const typed = text(body.text).replace(/^\/clear-telemetry\b\s*/, '');
        return { ok: true, ackMs: await standIn.command(user, typed).catch(() => null) };
      }
      case 'click':
        return {
          ok: true,
          ackMs: await standIn
            .click(user, text(body.ts), {
              action_id: text(body.action_id),
              block_id: text(body.block_id),
              value: text(body.value),
              text: text(body.text),
            })
            .catch(() => null),
        };
      case 'insert':
        if (!database.seeded) return { ok: false, error: 'not on a database given in DATABASE_URL' };
        await watch.insertPending(Math.min(100_000, Math.max(1, Number(body.count) || 1_000)));
        await refreshCounts();
        return { ok: true };
      case 'crash':
        await app.kill();
        broadcast();
        await app.start();
        broadcast();
        return { ok: true };
      default:
        return { ok: false, error: `unknown action ${action}` };
    }
  }

  async function refreshCounts(): Promise<void> {
    counts = await watch.counts().catch(() => counts);
    broadcast();
  }

  const counter = setInterval(() => void refreshCounts(), 1_000);
  await refreshCounts();
  await app.start();
  broadcast();

  return {
    url: `${base}/`,
    databaseUrl: database.url,
    appLogFile,
    appPort,
    opsPort,
    standIn,
    app,
    databaseDescription: database.description,
    async stop() {
      clearInterval(counter);
      if (pending) clearTimeout(pending);
      await app.stop();
      for (const res of events) res.end();
      await server.close();
      await watch.close();
      await database.stop();
      appLog?.end();
    },
  };
}

async function serveFile(res: ServerResponse, path: string): Promise<void> {
  const [root, relative] = path.startsWith('/vendor/slack-message-parser/')
    ? [PARSER, path.slice('/vendor/slack-message-parser/'.length)]
    : [PAGE, path === '/' ? 'index.html' : path.slice(1)];
  const file = normalize(join(root, relative));
  if (!file.startsWith(root)) return sendJson(res, [404, { ok: false, error: 'not_found' }]);
  try {
    const content = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(content);
  } catch {
    sendJson(res, [404, { ok: false, error: 'not_found' }]);
  }
}
