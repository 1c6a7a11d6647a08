import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION } from '../../commands/clear-telemetry/ids.js';
import { click } from '../helpers/fake-slack.js';
import { preview, waitForState } from '../helpers/requests.js';
import { settle, useTestApp } from '../helpers/test-app.js';
import { insertWebhooks } from '../helpers/webhooks.js';

/** GET /metrics on the app's port, after a real purge through Slack. */
const ctx = useTestApp();

const scrape = async () => {
  const response = await fetch(`http://127.0.0.1:${ctx.opsPort}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
};
/** The value of one series, e.g. `clear_telemetry_requests_total{state="approved"}`. */
const value = (text: string, series: string) => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  it('counts requests, rows, batches and Slack calls, and shows the table and the outbox', async () => {
    const before = await scrape();
    const counted = (series: string) => value(before, series) ?? 0;
    await insertWebhooks(ctx.db.client, [...Array.from({ length: 12 }, () => 'ERROR'), 'DONE']);
    const { id, ts } = await preview(ctx.db.client, ctx.slack, ctx.port, '--status ERROR --batch-size 5');
    await click(ctx.port, ACTION.confirm, String(id), 'UAPPROVER', ts);
    await waitForState(ctx.db.client, id, 'succeeded');
    await settle(ctx.app);

    const text = await scrape();
    for (const state of ['awaiting_approval', 'approved', 'running', 'succeeded']) {
      expect(value(text, `clear_telemetry_requests_total{state="${state}"}`), state).toBe(
        counted(`clear_telemetry_requests_total{state="${state}"}`) + 1,
      );
    }
    expect(value(text, 'clear_telemetry_rows_deleted_total{status="ERROR"}')).toBe(
      counted('clear_telemetry_rows_deleted_total{status="ERROR"}') + 12,
    );
    expect(value(text, 'clear_telemetry_batch_duration_seconds_count')).toBeGreaterThanOrEqual(
      counted('clear_telemetry_batch_duration_seconds_count') + 1,
    );
    expect(value(text, 'clear_telemetry_run_in_progress{request_id=""}')).toBe(0);
    expect(
      value(text, 'clear_telemetry_slack_calls_total{method="chat.postMessage",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(value(text, 'clear_telemetry_outbox_pending')).toBe(0);
    expect(value(text, 'clear_telemetry_table_rows{status="ERROR"}')).toBe(12);
    expect(value(text, 'clear_telemetry_table_rows_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('clear_telemetry_process_resident_memory_bytes ');
  });

  it('counts a 429 from Slack by method and outcome', async () => {
    const before =
      value(await scrape(), 'clear_telemetry_slack_calls_total{method="chat.postMessage",outcome="429"}') ?? 0;
    ctx.slack.script('chat.postMessage', {
      status: 429,
      headers: { 'retry-after': '0' },
      body: { ok: false, error: 'ratelimited' },
    });
    await insertWebhooks(ctx.db.client, ['ERROR']);
    await preview(ctx.db.client, ctx.slack, ctx.port, '--status ERROR');
    expect(value(await scrape(), 'clear_telemetry_slack_calls_total{method="chat.postMessage",outcome="429"}')).toBe(
      before + 1,
    );
  });

  it('the example Grafana dashboard and alert rules use only metrics the app exports', async () => {
    const text = await scrape();
    const exported = new Set(
      text
        .split('\n')
        .filter((line) => line.startsWith('# TYPE '))
        .map((line) => line.split(' ')[2]),
    );
    const metricsIn = (exprs: string[]) => [
      ...new Set(
        exprs.flatMap((expr) =>
          [...expr.matchAll(/clear_telemetry_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, '')),
        ),
      ),
    ];
    const dashboard = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const rules = parse(readFileSync('docs/alert-rules.yml', 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    expect(rules.groups[0]?.rules.map((rule) => rule.alert)).toEqual([
      'ClearTelemetryRunHolding',
      'ClearTelemetryOutboxNotDraining',
    ]);
    for (const [file, exprs] of [
      ['docs/grafana-dashboard.json', dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr))],
      ['docs/alert-rules.yml', rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr))],
    ] as const) {
      const names = metricsIn([...exprs]);
      expect(names.length, file).toBeGreaterThan(1);
      for (const name of names) expect(exported, `${file} uses ${name}`).toContain(name);
    }
  });
});
