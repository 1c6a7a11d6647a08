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
