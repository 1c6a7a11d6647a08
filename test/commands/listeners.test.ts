import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { confirmCallback } from '../../commands/clear-telemetry/action-callbacks.js';
import { commandCallback } from '../../commands/clear-telemetry/command-callback.js';
import { eventually } from '../helpers/fake-slack.js';
import { ledgerRow } from '../helpers/requests.js';
import { useTestApp } from '../helpers/test-app.js';
import { countByStatus, insertWebhooks } from '../helpers/webhooks.js';

/**
 * The listeners themselves, called with fake Bolt arguments (as Slack's bolt-ts starter tests its
 * own), over the app's real dependencies and database: what each acks, and when.
 */
const ctx = useTestApp({ env: { CLEAR_TELEMETRY_CHANNELS: 'COPS' } });

/** Every call a listener made to `ack` and `respond`, in order. */
function fakeBolt() {
  const calls: [string, unknown][] = [];
  return {
    calls,
    ack: (response?: unknown) => {
      calls.push(['ack', response]);
      return Promise.resolve();
    },
    respond: (message: unknown) => {
      calls.push(['respond', message]);
      return Promise.resolve({});
    },
  };
}

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

function command(text: string, channel = 'COPS') {
  const bolt = fakeBolt();
  const args = {
    command: { text, channel_id: channel, user_id: 'UREQUESTER', team_id: 'T1', command: '/clear-telemetry' },
    ack: bolt.ack,
    respond: bolt.respond,
  } as unknown as CommandArgs;
  return { run: () => commandCallback(ctx.app.deps)(args), calls: bolt.calls };
}

const ephemeralText = (call: [string, unknown] | undefined) => (call?.[1] as { text?: string } | undefined)?.text;

describe('the slash command listener', () => {
  it('answers --help in its ack, with nothing else', async () => {
    const { run, calls } = command('--help');
    await run();
    expect(calls.map(([kind]) => kind)).toEqual(['ack']);
    expect(ephemeralText(calls[0])).toMatch(/^```Usage: \/clear-telemetry --status STATUS/);
  });

  it('refuses a bad flag in its ack, and records nothing', async () => {
    const { run, calls } = command('--status BOGUS');
    await run();
    expect(calls.map(([kind]) => kind)).toEqual(['ack']);
    expect(ephemeralText(calls[0])).toMatch(/^'BOGUS' is not a status\. Use PENDING, DONE, IGNORED, ERROR or ALL\./);
    expect((await ctx.db.client.query('select id from clear_telemetry_request')).rows).toEqual([]);
  });

  it('refuses a channel the command is not enabled in, in its ack', async () => {
    const { run, calls } = command('--status ERROR', 'CELSEWHERE');
    await run();
    expect(calls).toEqual([
      [
        'ack',
        {
          response_type: 'ephemeral',
          replace_original: false,
          text: 'This command is not enabled in this channel. Use it in <#COPS>.',
        },
      ],
    ]);
  });

  it('acks a request empty and at once, then previews it in the channel', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR', 'ERROR']);
    const { run, calls } = command('--status ERROR');
    await run();
    expect(calls).toEqual([['ack', undefined]]);
    const row = await eventually(() => ledgerRow(ctx.db.client, 1));
    expect(row).toMatchObject({ state: 'awaiting_approval', matching_count: 2 });
    expect(ctx.slack.of('chat.postMessage')).toHaveLength(1);
  });
});

describe('a button listener', () => {
  it('acks first, then refuses a click whose value is not a request id, and deletes nothing', async () => {
    await insertWebhooks(ctx.db.client, ['ERROR']);
    const bolt = fakeBolt();
    const args = {
      ack: bolt.ack,
      respond: bolt.respond,
      body: { user: { id: 'UAPPROVER' }, channel: { id: 'COPS' }, message: { ts: '1.000001' } },
      action: { action_id: 'clear_telemetry_confirm', value: 'DROP TABLE' },
    } as unknown as Parameters<ReturnType<typeof confirmCallback>>[0];
    await confirmCallback(ctx.app.deps)(args);
    expect(bolt.calls[0]).toEqual(['ack', undefined]);
    expect(bolt.calls.slice(1).map(([kind]) => kind)).toEqual(['respond']);
    expect(ephemeralText(bolt.calls[1])).toBe(
      'This request is not in the ledger any more, so nothing was done: `/clear-telemetry status` shows what is.',
    );
    expect(await countByStatus(ctx.db.client)).toEqual({ ERROR: 1 });
  });
});
