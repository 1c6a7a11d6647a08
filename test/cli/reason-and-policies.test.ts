import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runBin } from '../helpers/child-process.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db.js';
import { countByStatus, insertWebhooks, truncateAll } from '../helpers/webhooks.js';

/** The terminal's `--reason`, CLEAR_TELEMETRY_REQUIRE_REASON, and `clear-telemetry policies`. */
let db: ScratchDb;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  db = await createScratchDb(inject('templateDb'));
  env = { DATABASE_URL: db.url, CLEAR_TELEMETRY_PENDING_MIN_AGE: '0' };
  dir = mkdtempSync(join(tmpdir(), 'clear-telemetry-cli-'));
});

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await truncateAll(db.client);
  await insertWebhooks(db.client, ['ERROR', 'ERROR', 'DONE']);
});

/** Writes a policy file of these lines in the test's folder; returns its path. */
function policyFile(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

const HOSTILE = 'INC-9 <!channel> & <https://evil.example|click> "quoted"';

describe('a reason in the terminal', () => {
  it('is stored as typed, printed as typed, escaped in the audit channel, and named by history --json', async () => {
    const slack = await FakeSlack.serve();
    try {
      const run = await runBin(['--status', 'ERROR', '--force', '--reason', HOSTILE], {
        ...env,
        CLEAR_TELEMETRY_AUDIT_CHANNEL: 'CAUDIT',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: slack.apiUrl,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Reason: ${HOSTILE}`);
      const sent = JSON.stringify(slack.calls.map((call) => call.body));
      expect(sent).toContain('INC-9 &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
      expect(sent).not.toMatch(/<!channel>|<https:\/\/evil/);
    } finally {
      await slack.close();
    }
    const { rows } = await db.client.query<{ reason: string }>('select reason from clear_telemetry_request');
    expect(rows).toEqual([{ reason: HOSTILE }]);

    const history = await runBin(['history', '--json'], env);
    expect(JSON.parse(history.stdout.trim())).toMatchObject({ reason: HOSTILE, policy: null, state: 'succeeded' });
    const plain = await runBin(['history'], env);
    expect(plain.stdout).toContain(`reason: ${HOSTILE}`);
  });

  it('is required under CLEAR_TELEMETRY_REQUIRE_REASON: exit 2, how to add one, nothing deleted or recorded', async () => {
    const required = { ...env, CLEAR_TELEMETRY_REQUIRE_REASON: 'true' };
    const refused = await runBin(['--status', 'ERROR', '--force'], required);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^clear-telemetry: A reason is required here \(CLEAR_TELEMETRY_REQUIRE_REASON\): add --reason with an incident, a ticket or one sentence, for example --reason "INC-1234 queue full"\.\n/,
    );
    expect(refused.stdout).toBe('');
    expect(await countByStatus(db.client)).toEqual({ ERROR: 2, DONE: 1 });
    expect((await db.client.query('select id from clear_telemetry_request')).rows).toEqual([]);

    // A dry run deletes nothing, so it needs no reason; with one, the purge goes ahead.
    expect((await runBin(['--status', 'ERROR', '--dry-run'], required)).code).toBe(0);
    expect((await runBin(['--status', 'ERROR', '--force', '--reason', 'INC-3'], required)).code).toBe(0);
    expect(await countByStatus(db.client)).toEqual({ DONE: 1 });
  });
});

describe("the terminal's decisions in the audit stream", () => {
  /** A request in `state`, as another process would have left it. */
  async function requestIn(state: string): Promise<number> {
    const { rows } = await db.client.query<{ id: number }>(
      `insert into clear_telemetry_request (created_at, updated_at, source, target_table, state, status_filter, batch_size, use_cursor, force,
         method, method_reason, matching_count, total_count, status_counts, planned_at, requester_id, runner_id, heartbeat_at, started_at)
       values (now(), now(), 'slack', 'assignments_learnpackwebhook', $1, 'DONE', 10000, false, false, 'batch', 'test', 1, 3, '[]',
         now(), 'UOTHER', 'replica-a:1:ab12cd', now(), now()) returning id`,
      [state],
    );
    return rows[0]?.id ?? 0;
  }
  const auditLines = (stderr: string) =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.audit === true);

  it('writes paused, resumed, stopped and cancelled, with who and source terminal, when LOG_LEVEL is set', async () => {
    const logged = { ...env, LOG_LEVEL: 'info' };
    const running = await requestIn('running');
    const waiting = await requestIn('awaiting_approval');
    const lines = [];
    for (const args of [
      ['pause', String(running)],
      ['continue', String(running)],
      ['stop', String(running)],
      ['cancel', String(waiting)],
    ]) {
      const result = await runBin(args, logged);
      expect(result.code, result.stderr).toBe(0);
      lines.push(...auditLines(result.stderr));
    }
    const by = expect.stringMatching(/^terminal:.+@.+$/) as string;
    expect(lines).toEqual([
      expect.objectContaining({ event: 'paused', requestId: running, by, from: 'running', source: 'terminal' }),
      expect.objectContaining({ event: 'resumed', requestId: running, by, from: 'paused', source: 'terminal' }),
      expect.objectContaining({ event: 'stopped', requestId: running, by, source: 'terminal' }),
      expect.objectContaining({ event: 'cancelled', requestId: waiting, by, queued: false, source: 'terminal' }),
    ]);
    // Without LOG_LEVEL the terminal keeps its log to itself.
    expect(auditLines((await runBin(['cancel', String(await requestIn('awaiting_approval'))], env)).stderr)).toEqual(
      [],
    );
  });
});

describe('clear-telemetry policies', () => {
  it('lists a good file with its next runs, without a database', async () => {
    const file = policyFile('good.yaml', [
      'policies:',
      '  - name: nightly-done',
      '    schedule: "0 3 * * *"',
      '    timezone: Europe/Madrid',
      '    flags: --status DONE --older-than 7d --archive',
      '    channel: C0123ABCD',
      '    approval: auto',
      '    max_rows: 2000000',
    ]);
    const result = await runBin(['policies', '--check', file], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      `${file}: 1 policy, no mistakes.`,
      '',
      'nightly-done',
      '  schedule:  0 3 * * * (Europe/Madrid)',
      '  flags:     --status DONE --older-than 7d --archive',
      '  channel:   C0123ABCD',
      '  approval:  auto: approves up to 2,000,000 rows itself; a bigger plan waits for an approver',
    ]);
    // 03:00 in Madrid is 01:00 or 02:00 UTC, by the season.
    expect(lines[7]).toMatch(/^ {2}next runs: (\d{4}-\d\d-\d\d 0[12]:00:00 UTC, ){2}\d{4}-\d\d-\d\d 0[12]:00:00 UTC$/);
  });

  it('prints one line per mistake on stderr and exits 2', async () => {
    const file = policyFile('bad.yaml', [
      'policies:',
      '  - name: x',
      '    schedule: "0 3 * *"',
      '    flags: --status DONE',
      '    channel: C1',
      '    approval: auto',
    ]);
    const result = await runBin(['policies', '--check', file], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^clear-telemetry: ${file}: policy 'x': schedule is wrong: `)),
      `clear-telemetry: ${file}: policy 'x': max_rows is missing: approval auto needs the most rows the policy may approve itself`,
    ]);
  });
});
