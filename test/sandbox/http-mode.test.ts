import { describe, expect, it } from 'vitest';
import { haveBrowser } from '../helpers/browser.js';
import { eventually } from '../helpers/fake-slack.js';
import { ledgerRow } from '../helpers/requests.js';
import { as, clickButton, pendingCount, requestMessage, shot, type, useSandbox } from './sandbox-flow.js';

/** The same page with the app in HTTP mode: the stand-in sends v0-signed requests to /slack/events. */
describe.skipIf(!haveBrowser)('the sandbox, in HTTP mode', () => {
  const ctx = useSandbox('http');

  it('runs a purge from preview to done through signed requests', async () => {
    const { page } = ctx;
    await type(page, '/clear-telemetry --status PENDING --batch-size 2000');
    await requestMessage(page).locator('.block.header', { hasText: 'Clear telemetry: approval needed' }).waitFor();
    await as(page, 'UBOB');
    await clickButton(page, 'Approve and delete', 'Delete');
    await requestMessage(page)
      .locator('.block.header', { hasText: 'Clear telemetry: done' })
      .waitFor({ timeout: 30_000 });
    expect(await ledgerRow(ctx.db.client, 1)).toMatchObject({ state: 'succeeded', deleted_count: 20_000 });
    await eventually(async () => expect(await pendingCount(page)).toBe(0));
    await page.getByTestId('connection').getByText('HTTP mode').waitFor();
    await shot(page, '11-http-mode-done');
  });
});
