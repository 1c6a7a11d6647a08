import { describe, expect, it } from 'vitest';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click, eventually } from '../helpers/fake-slack.js';
import { ledgerRow, preview as previewOn, waitForState } from '../helpers/requests.js';
import { useTestApp } from '../helpers/test-app.js';
import { countByStatus, insertAgedMix, insertWebhooks, remainingIds } from '../helpers/webhooks.js';

/** The plan's gates through Slack, with the defaults of a real install (PENDING's minimum age of 10 minutes). */
const ctx = useTestApp({
  env: {
    CLEAR_TELEMETRY_PENDING_MIN_AGE: '10m',
    CLEAR_TELEMETRY_MAX_ROWS: '5',
    CLEAR_TELEMETRY_BREAK_GLASS: 'UBREAKGLASS',
  },
});

const preview = (text: string, user = 'UREQUESTER') => previewOn(ctx.db.client, ctx.slack, ctx.port, text, user);
const previewText = () => JSON.stringify(ctx.slack.of('chat.postMessage')[0]?.body.blocks);

describe('gates in Slack', () => {
  it('keeps PENDING rows still being delivered, says so in the preview, and deletes the rest: as the terminal does', async () => {
    const ids = await insertAgedMix(ctx.db.client);
    const { id, ts } = await preview('--status PENDING');
    expect(previewText()).toContain(
      '*Gate:* Kept: 1 PENDING row younger than 10 min (still being delivered); use --older-than 0 to include them',
    );
    expect(await ledgerRow(ctx.db.client, id)).toMatchObject({ matching_count: 2 });

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    expect((await waitForState(ctx.db.client, id, 'succeeded')).deleted_count).toBe(2);
    expect(await remainingIds(ctx.db.client)).toEqual(ids.filter((_, i) => i !== 1 && i !== 3));
  });

  it('takes --older-than and --limit, with the same rows deleted as the terminal', async () => {
    const ids = await insertAgedMix(ctx.db.client);
    const { id, ts } = await preview('--status ERROR --older-than 10m --limit 1');
    expect(previewText()).toMatch(
      /\*Gate:\* Only rows created before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(--older-than 10 min\); kept: 1 newer row/,
    );
    expect(previewText()).toContain('*Gate:* Limited to the 1 oldest matching rows (--limit 1)');

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    expect((await waitForState(ctx.db.client, id, 'succeeded')).deleted_count).toBe(1);
    expect(await remainingIds(ctx.db.client)).toEqual(ids.filter((_, i) => i !== 0));
  });

  it('lets only a break-glass user approve a request over CLEAR_TELEMETRY_MAX_ROWS', async () => {
    await insertWebhooks(
      ctx.db.client,
      Array.from({ length: 6 }, () => 'DONE'),
    );
    const { id, ts } = await preview('--status DONE');
    expect(previewText()).toContain(
      '*Gate:* Over the cap of 5 rows (CLEAR_TELEMETRY_MAX_ROWS): only a break-glass user may approve it',
    );

    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await eventually(() =>
      expect(ctx.slack.ephemeralTexts()).toEqual([
        'This request is over the row cap, so only a break-glass user can approve it: ask <@UBREAKGLASS>.',
      ]),
    );
    expect((await ledgerRow(ctx.db.client, id)).state).toBe('awaiting_approval');
    expect(await countByStatus(ctx.db.client)).toEqual({ DONE: 6 });

    await click(ctx.port, ACTION.confirm, String(id), 'UBREAKGLASS', ts);
    expect(await waitForState(ctx.db.client, id, 'succeeded')).toMatchObject({
      approver_id: 'UBREAKGLASS',
      deleted_count: 6,
    });
  });
});
