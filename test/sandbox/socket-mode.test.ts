import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveBrowser } from '../helpers/browser.js';
import { eventually } from '../helpers/fake-slack.js';
import { ledgerRow, waitForState } from '../helpers/requests.js';
import { countByStatus } from '../helpers/webhooks.js';
import { approvedRun, as, clickButton, pendingCount, requestMessage, shot, type, useSandbox } from './sandbox-flow.js';

/**
 * The sandbox in a browser, driven as a person would: typing, switching people, clicking through
 * dialogs. Socket Mode, as manifest.yml installs the app. The database holds 40,000 webhooks, the
 * newest 20,000 PENDING.
 */
describe.skipIf(!haveBrowser)('the sandbox, in Socket Mode', () => {
  const ctx = useSandbox('socket');
  const header = (title: string) => requestMessage(ctx.page).locator('.block.header', { hasText: title });

  it('runs the whole flow: preview, the requester refused, a second person approves, progress, done, the thread', async () => {
    const { page } = ctx;
    await type(page, '/clear-telemetry --status PENDING --batch-size 1000');
    await header('Clear telemetry: approval needed').waitFor();
    await shot(page, '01-preview');

    await clickButton(page, 'Approve and delete', 'Delete');
    await page
      .getByTestId('ephemeral')
      .filter({ hasText: 'You made this request, so another person must approve it' })
      .waitFor();
    await shot(page, '02-requester-refused');
    expect(await ledgerRow(ctx.db.client, 1)).toMatchObject({ state: 'awaiting_approval' });

    await as(page, 'UBOB');
    // Alice's ephemeral reply is hers alone.
    expect(await page.getByTestId('ephemeral').count()).toBe(0);
    await clickButton(page, 'Approve and delete', 'Delete');
    await header('Clear telemetry: deleting').waitFor();
    // A progress edit mid-run (edits are 2.5 s apart).
    await requestMessage(page)
      .getByText(/^[1-9]\d?\.\d%$/)
      .waitFor({ timeout: 20_000 });
    await shot(page, '03-deleting');
    if (process.env.SANDBOX_SCREENSHOT === 'docs')
      await page.screenshot({ path: resolve(import.meta.dirname, '../../docs/sandbox.png') });

    await header('Clear telemetry: done').waitFor({ timeout: 30_000 });
    expect(await ledgerRow(ctx.db.client, 1)).toMatchObject({
      state: 'succeeded',
      deleted_count: 20_000,
      approver_id: 'UBOB',
    });
    await requestMessage(page).getByTestId('replies').filter({ hasText: '3 replies' }).waitFor();
    await requestMessage(page).getByTestId('replies').click();
    const thread = page.getByTestId('thread');
    await thread.getByText('Approved by @bob.').waitFor();
    await thread.getByText('Started deleting 20,000 webhooks with status PENDING').waitFor();
    await thread.getByText(/Deleted 20,000 webhooks with status PENDING in/).waitFor();
    await eventually(async () => expect(await pendingCount(page)).toBe(0));
    await shot(page, '04-done-with-thread');
    // Socket Mode acks, as the stand-in timed them.
    expect(ctx.sandbox.standIn.acks.length).toBeGreaterThanOrEqual(3);
  });

  it('serves /healthz, /readyz and /metrics on OPS_PORT in Socket Mode too', async () => {
    const live = await fetch(`http://127.0.0.1:${ctx.sandbox.opsPort}/healthz`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`http://127.0.0.1:${ctx.sandbox.opsPort}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ready', checks: { database: 'ok', migrations: 'ok', slack: 'ok' } },
    ]);
    const metrics = await fetch(`http://127.0.0.1:${ctx.sandbox.opsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^clear_telemetry_run_in_progress\{request_id=""\} 0$/m);
  });

  it('shows a dry run to the requester alone, with no buttons', async () => {
    const { page } = ctx;
    await type(page, '/clear-telemetry --status ERROR --dry-run');
    const reply = page.getByTestId('ephemeral').filter({ hasText: 'Dry run: nothing will be deleted.' });
    await reply.waitFor();
    expect(await reply.getByRole('button').count()).toBe(0);
    expect(await reply.getByText('Only visible to you').count()).toBe(1);
    await shot(page, '05-dry-run');
    await as(page, 'UBOB');
    expect(await page.getByTestId('ephemeral').count()).toBe(0);
  });

  it('answers a bad flag with the usage, only to the person who typed it', async () => {
    const { page } = ctx;
    await type(page, '/clear-telemetry --staus ERROR');
    await page.getByTestId('ephemeral').filter({ hasText: 'Unknown option --staus. Did you mean --status?' }).waitFor();
    await page.getByTestId('ephemeral').getByText('Usage: /clear-telemetry').waitFor();
    await shot(page, '06-bad-flag');
    expect(ctx.sandbox.standIn.messages.size).toBe(0);
  });

  it("cancels on the requester's click", async () => {
    const { page } = ctx;
    await type(page, '/clear-telemetry --status ERROR');
    await header('Clear telemetry: approval needed').waitFor();
    await clickButton(page, 'Cancel');
    await header('Clear telemetry: cancelled').waitFor();
    await requestMessage(page).getByText('Cancelled by @alice. Nothing was deleted.').waitFor();
    expect((await countByStatus(ctx.db.client)).ERROR).toBeGreaterThan(0);
    await shot(page, '07-cancelled');
  });

  it('stops mid-run on Stop, keeping the rest', async () => {
    const { page } = ctx;
    await approvedRun(ctx, 'UCAROL');
    await header('Clear telemetry: deleting').waitFor();
    await clickButton(page, 'Stop', 'Stop');
    const stopped = await waitForState(ctx.db.client, 1, 'stopped');
    expect(stopped.deleted_count).toBeLessThan(20_000);
    await header('Clear telemetry: stopped').waitFor();
    // Resume, not a command that would select other rows: the same plan, within the same watermark.
    await requestMessage(page)
      .getByText(/Resume deletes the remaining [\d,]+ previewed rows, within the same watermark/)
      .waitFor();
    await requestMessage(page).getByRole('button', { name: 'Resume' }).waitFor();
    expect((await countByStatus(ctx.db.client)).PENDING).toBe(20_000 - stopped.deleted_count);
    await shot(page, '08-stopped');
  });

  it('survives a crash: Resume deletes exactly the previewed rows, and rows added meanwhile are kept', async () => {
    const { page } = ctx;
    await approvedRun(ctx, 'UDAN');
    await page.getByTestId('insert').click();
    await page.getByTestId('crash').click();
    // The restarted app's janitor finds the silent run, and its message offers Resume.
    await header('Clear telemetry: interrupted').waitFor({ timeout: 30_000 });
    await shot(page, '09-interrupted');
    await as(page, 'UBOB');
    await clickButton(page, 'Resume');
    await header('Clear telemetry: done').waitFor({ timeout: 30_000 });
    expect(await ledgerRow(ctx.db.client, 1)).toMatchObject({ state: 'succeeded', deleted_count: 20_000 });
    // The 1,000 rows inserted during the run are above the watermark: kept.
    expect((await countByStatus(ctx.db.client)).PENDING).toBe(1_000);
    await eventually(async () => expect(await pendingCount(page)).toBe(1_000));
    await shot(page, '10-resumed-done');
  });
});
