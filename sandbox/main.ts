/**
 * `npm run sandbox`: the whole flow on a laptop with nothing but Node.js. Prints one URL.
 * With DATABASE_URL set, it runs against that database and never seeds or alters its table.
 */
import { projectPath } from '../src/project-root.js';
import { scriptFlags } from '../src/script-flags.js';
import { startSandbox, type RunningSandbox } from './sandbox.js';

const USAGE = `Usage: npm run sandbox [-- options]
  --rows N     webhooks to seed a new embedded database with (default 300,000)
  --fresh      start the embedded database over
  --http       HTTP mode (signed requests) instead of Socket Mode
  --port P     the page's port (default 3100; 0 picks a free one)
  --verbose    show the app's own log lines too
With DATABASE_URL set, it runs against that database and never seeds or alters its table.
CLEAR_TELEMETRY_* variables set in this shell reach the app (docs/configuration.md).
The sample retention policy (sandbox/policies.yaml) posts a scheduled preview every 3 minutes;
CLEAR_TELEMETRY_POLICIES=FILE runs yours instead.`;

const values = scriptFlags('sandbox', USAGE, {
  rows: { type: 'string', default: '300000' },
  fresh: { type: 'boolean', default: false },
  http: { type: 'boolean', default: false },
  port: { type: 'string', default: '3100' },
  verbose: { type: 'boolean', default: false },
});
const rows = Number(values.rows.replaceAll(/[_,]/g, ''));
const port = Number(values.port);
if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write('sandbox: --rows takes a whole number of webhooks, --port a port number (0 picks one)\n');
  process.exit(2);
}

// The app's own settings from this shell (a rows-per-second ceiling to watch a run, say) reach it.
const settings = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[0].startsWith('CLEAR_TELEMETRY_') && entry[1] !== undefined,
  ),
);

// The sample policy, unless this shell names a policy file of its own.
const SAMPLE_POLICIES = projectPath('sandbox/policies.yaml');
const appEnv = { CLEAR_TELEMETRY_POLICIES: SAMPLE_POLICIES, ...settings };

const started = performance.now();
// Once its terminal is closed, a write fails (EIO, EPIPE): the sandbox must still stop its database.
process.stdout.on('error', () => undefined);
const say = (line: string) => process.stdout.write(`${line}\n`);

// Signals are taken from the start: one that comes while the sandbox is starting stops it once it is up.
let sandbox: RunningSandbox | null = null;
let stopping = false;
// The app and the embedded PostgreSQL are process groups of their own, so a Ctrl-C reaches only this
// process, which stops the app gracefully (its runs interrupted, resumable) before the database.
const starting = new AbortController();
const stopped = (code: number) => () => process.exit(code);
const stop = (signal: NodeJS.Signals) => {
  // A second Ctrl-C leaves at once; a repeated hang-up (the kernel's, then the shell's) waits.
  if (stopping) {
    if (signal === 'SIGINT') process.exit(130);
    return;
  }
  stopping = true;
  say('Stopping the sandbox…');
  if (!sandbox) starting.abort();
  sandbox?.stop().then(stopped(0), stopped(1));
};
// SIGHUP is a closed terminal: stopped as for Ctrl-C, so the embedded PostgreSQL does not outlive it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);

try {
  sandbox = await startSandbox({
    givenUrl: process.env.DATABASE_URL,
    folder: projectPath('.sandbox'),
    fresh: values.fresh,
    rows,
    http: values.http,
    port,
    log: (line) => (values.verbose || !line.startsWith('app: ') ? say(line) : undefined),
    appEnv,
    signal: starting.signal,
  });
  if (stopping) await sandbox.stop().then(stopped(0), stopped(1));
  say(`Database: ${sandbox.databaseDescription}`);
  say(
    `Slack: a local stand-in, ${values.http ? 'HTTP mode (signed requests)' : 'Socket Mode'}; the app runs as npm start runs it.`,
  );
  const names = Object.keys(settings);
  if (names.length > 0)
    say(`Settings from your environment: ${names.map((name) => `${name}=${settings[name]}`).join(', ')}`);
  if (appEnv.CLEAR_TELEMETRY_POLICIES === SAMPLE_POLICIES)
    say('Policy: sandbox/policies.yaml posts a scheduled preview of 5,000 DONE rows every 3 minutes, for an approver.');
  const app = `http://127.0.0.1:${sandbox.opsPort}`;
  say(
    `The app: ${app}/readyz and ${app}/metrics; its log is in ${sandbox.appLogFile ?? 'its terminal'} (--verbose shows it here).`,
  );
  say(
    `The terminal command on this database: DATABASE_URL=${sandbox.databaseUrl} npx clear-telemetry --status ERROR --dry-run`,
  );
  say(`Ready in ${((performance.now() - started) / 1_000).toFixed(1)} s. Open ${sandbox.url}  (Ctrl-C stops it)`);
} catch (error) {
  // Ctrl-C while it starts stops the embedded PostgreSQL, which ends the seeding.
  if (stopping) {
    say('Stopped before it was ready; the next start seeds the database again if it had not finished.');
    process.exit(130);
  }
  process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
