import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import { launchBrowser } from '../helpers/browser.js';
import { createScratchDb, seedWebhooks, type ScratchDb } from '../helpers/scratch-db.js';
import { truncateAll } from '../helpers/webhooks.js';
import { waitForDeleted } from '../helpers/requests.js';

/** Screenshots of every step, as test artifacts (not committed): test-results/sandbox/. */
export const SHOTS = resolve(import.meta.dirname, '../../test-results/sandbox');

export interface SandboxContext {
  db: ScratchDb;
  sandbox: RunningSandbox;
  browser: Browser;
  page: Page;
}

/**
 * One sandbox for a test file (the unmodified app as a child process, the stand-in, the page) on a
 * scratch database, and a browser page on it. Runs are paced to a few seconds so a person (or a
 * test) can click Stop, crash the app or add rows while one goes.
 */
export function useSandbox(mode: 'socket' | 'http'): SandboxContext {
  const ctx = {} as SandboxContext;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ctx.db = await createScratchDb(inject('templateDb'));
    ctx.sandbox = await startSandbox({
      scratchUrl: ctx.db.url,
      folder: '',
      fresh: false,
      rows: 0,
      http: mode === 'http',
      port: 0,
      log: () => undefined,
      appEnv: {
        CLEAR_TELEMETRY_NATIVE_MAX_ROWS: '0',
        CLEAR_TELEMETRY_MAX_ROWS_PER_SECOND: '5000',
        CLEAR_TELEMETRY_STALE_AFTER: '2s',
        CLEAR_TELEMETRY_JANITOR_EVERY: '500ms',
        CLEAR_TELEMETRY_BATCH_PAUSE_PERCENT: '0',
        CLEAR_TELEMETRY_PENDING_MIN_AGE: '0',
      },
    });
    ctx.browser = await launchBrowser();
  }, 90_000);
  beforeEach(async () => {
    await truncateAll(ctx.db.client);
    await seedWebhooks(ctx.db.client, 40_000, 20_000);
    ctx.sandbox.standIn.messages.clear();
    ctx.sandbox.standIn.ephemerals.length = 0;
    await ctx.page?.close();
    ctx.page = await ctx.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await ctx.page.goto(ctx.sandbox.url);
    await as(ctx.page, 'UALICE');
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.sandbox?.stop();
    await ctx.db?.drop();
  });
  return ctx;
}

/** Picks a person in the switcher. */
export async function as(page: Page, userId: string): Promise<void> {
  await page.getByTestId('user-switcher').selectOption(userId);
}

/** Types a command in the composer and sends it, as a person would. */
export async function type(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
}

/** The channel message whose header is `title` (the request message keeps its ts through every edit). */
export function requestMessage(page: Page) {
  return page
    .locator('[data-testid=message]')
    .filter({ has: page.locator('.block.header') })
    .last();
}

/** Clicks a button on the request message, and, when it asks, confirms in the dialog. */
export async function clickButton(page: Page, label: string, confirm?: string): Promise<void> {
  await requestMessage(page).getByRole('button', { name: label, exact: true }).click();
  if (confirm) await page.getByTestId('dialog').getByRole('button', { name: confirm, exact: true }).click();
}

/** Previews a PENDING purge as alice and approves it as `approver`, through the dialog; waits for it to delete. */
export async function approvedRun(ctx: SandboxContext, approver: string): Promise<void> {
  await type(ctx.page, '/clear-telemetry --status PENDING --batch-size 1000');
  await requestMessage(ctx.page).locator('.block.header', { hasText: 'Clear telemetry: approval needed' }).waitFor();
  await as(ctx.page, approver);
  await clickButton(ctx.page, 'Approve and delete', 'Delete');
  await waitForDeleted(ctx.db.client, 1, 3_000);
}

export async function pendingCount(page: Page): Promise<number> {
  const row = page.locator('[data-testid=counts] tr[data-status=PENDING] td').nth(1);
  if ((await row.count()) === 0) return 0;
  return Number((await row.textContent())?.replaceAll(',', ''));
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(SHOTS, `${name}.png`) });
}
