import { start, type Running } from './child-process.js';
import { SIGNING_SECRET, type FakeSlack } from './fake-slack.js';
import { freePort } from '../../dev/free-port.js';

export interface ChildApp {
  port: number;
  process: Running;
}

/** `npm start`'s entry point as a real process (so it can be killed), talking to a served FakeSlack. */
export async function startChildApp(
  databaseUrl: string,
  slack: FakeSlack,
  env: Record<string, string> = {},
  /** Runs it as a container would: PID 1, on a host of this name (namespaces of its own; root only). */
  container?: { host: string },
): Promise<ChildApp> {
  const port = await freePort();
  const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const [command, ...args] = container
    ? [
        'unshare',
        '--uts',
        '--pid',
        '--fork',
        '--mount-proc',
        '--kill-child',
        'sh',
        '-c',
        `hostname ${container.host} && exec "$@"`,
        'sh',
        ...node,
      ]
    : node;
  const running = start(command ?? process.execPath, args, {
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    OPS_PORT: String(await freePort()),
    CLEAR_TELEMETRY_APPROVERS: 'UAPPROVER',
    CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT: '0',
    // The seed's newest rows are minutes old: tests of other rules delete them all. The minimum age has tests of its own.
    CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  await running.waitFor(/clear-telemetry is listening/, 30_000);
  return { port, process: running };
}
