import { WebClient, type WebAPICallResult } from '@slack/web-api';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OpsRoute } from './ops-routes.js';
import type { StatusSummary } from '../domain/plan/plan.js';
import type { RequestState } from '../domain/request/request-states.js';
import type { WebhookQueue } from '../domain/ports.js';
import type { RequestLedger, RunReporter } from '../domain/run-ports.js';

/**
 * The bot's Prometheus metrics (prom-client), served at GET /metrics. Each replica exports its own
 * counters; Prometheus sums them (`sum by (state) (rate(clear_telemetry_requests_total[5m]))`).
 * No label value ever comes from what a person typed: states, statuses, hold causes and Slack
 * method names are all closed sets, and request ids are numbers.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'clear_telemetry_requests_total',
    help: 'Requests that reached each state, as seen by this replica.',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly rowsDeleted = new Counter({
    name: 'clear_telemetry_rows_deleted_total',
    help: 'Webhook rows deleted, by the status filter of the run.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly batchDuration = new Histogram({
    name: 'clear_telemetry_batch_duration_seconds',
    help: 'Duration of each delete transaction (a batch, or the one statement).',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly runInProgress = new Gauge({
    name: 'clear_telemetry_run_in_progress',
    help: '1 while this replica runs the request named by request_id; 0 (request_id="") when it runs none.',
    labelNames: ['request_id'],
    registers: [this.registry],
  });
  readonly gateHolds = new Counter({
    name: 'clear_telemetry_gate_holds_total',
    help: 'Times a run started holding, by cause.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly holding = new Gauge({
    name: 'clear_telemetry_run_holding',
    help: "1 while this replica's run is held by a gate or paused, by cause.",
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly policyRuns = new Counter({
    name: 'clear_telemetry_policy_runs_total',
    help: 'Retention policy slots, by policy (its name in the policy file) and outcome, as this replica settled them.',
    labelNames: ['policy', 'outcome'],
    registers: [this.registry],
  });
  readonly slackCalls = new Counter({
    name: 'clear_telemetry_slack_calls_total',
    help: 'Slack Web API calls, by method and outcome (ok, 429, 5xx, error).',
    labelNames: ['method', 'outcome'],
    registers: [this.registry],
  });

  constructor(sources: {
    outboxPending: () => Promise<number>;
    table: () => { summary: StatusSummary; ageMs: number } | null;
  }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'clear_telemetry_' });
    this.runInProgress.set({ request_id: '' }, 0);
    new Gauge({
      name: 'clear_telemetry_outbox_pending',
      help: 'Slack notices (audit replies, final edits) promised but not yet delivered, across every replica.',
      registers: [this.registry],
      async collect() {
        this.set(await sources.outboxPending());
      },
    });
    new Gauge({
      name: 'clear_telemetry_table_rows',
      help: 'Webhook rows per status at the last census this replica took (never a count per scrape).',
      labelNames: ['status'],
      registers: [this.registry],
      collect() {
        for (const row of sources.table()?.summary.rows ?? []) this.set({ status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'clear_telemetry_table_rows_age_seconds',
      help: 'How old clear_telemetry_table_rows is (-1: no census yet).',
      registers: [this.registry],
      collect() {
        const table = sources.table();
        this.set(table ? table.ageMs / 1_000 : -1);
      },
    });
  }

  route(): OpsRoute {
    return {
      path: '/metrics',
      handler: async (_req, res) => {
        const body = await this.registry.metrics();
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(body);
      },
    };
  }

  /** A WebClient whose every call is counted (each method of the client goes through `apiCall`). */
  slackClient(token: string, options: ConstructorParameters<typeof WebClient>[1]): WebClient {
    const calls = this.slackCalls;
    return new (class extends WebClient {
      override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
        try {
          const result = await super.apiCall(method, options);
          calls.inc({ method, outcome: 'ok' });
          return result;
        } catch (error) {
          calls.inc({ method, outcome: slackOutcome(error) });
          throw error;
        }
      }
    })(token, options);
  }
}

/** ok, 429, 5xx, or error (a platform error such as not_in_channel, or no answer at all). */
function slackOutcome(error: unknown): string {
  const { code, statusCode } = error as { code?: string; statusCode?: number };
  if (code === 'slack_webapi_rate_limited_error' || statusCode === 429) return '429';
  return statusCode !== undefined && statusCode >= 500 ? '5xx' : 'error';
}

const COUNTED: Partial<Record<keyof RequestLedger, RequestState>> = {
  create: 'awaiting_approval',
  approve: 'approved',
  cancel: 'cancelled',
};

/** The ledger, counting each state a request reaches through this replica. */
export function meteredLedger<T extends RequestLedger>(ledger: T, metrics: Metrics): T {
  return new Proxy(ledger, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const name = property as keyof RequestLedger;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const state = COUNTED[name];
        if (state && result) metrics.requests.inc({ state });
        if ((name === 'start' || name === 'resume') && result === 'started') metrics.requests.inc({ state: 'running' });
        if (name === 'expireDue' || name === 'interruptStale')
          metrics.requests.inc(
            { state: name === 'expireDue' ? 'expired' : 'interrupted' },
            (result as unknown[]).length,
          );
        if (name === 'finish' && result) metrics.requests.inc({ state: (result as { state: RequestState }).state });
        return result;
      };
    },
  });
}

/** The queue, counting deleted rows and timing each delete transaction. */
export function meteredQueue<T extends WebhookQueue>(queue: T, metrics: Metrics): T {
  const timed =
    <R extends { status: string }>(work: (request: R) => Promise<number>) =>
    async (request: R) => {
      const stop = metrics.batchDuration.startTimer();
      try {
        const deleted = await work(request);
        metrics.rowsDeleted.inc({ status: request.status }, deleted);
        return deleted;
      } finally {
        stop();
      }
    };
  return new Proxy(queue, {
    get(target, property, receiver) {
      if (property === 'deleteBatch') return timed(target.deleteBatch.bind(target));
      if (property === 'deleteAll') return timed(target.deleteAll.bind(target));
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** The reporter, keeping the run and hold gauges (and counting holds by cause). */
export function meteredReporter(reporter: RunReporter, metrics: Metrics): RunReporter {
  let cause: string | null = null;
  const release = () => {
    if (cause) metrics.holding.set({ reason: cause }, 0);
    cause = null;
  };
  return {
    queued: (request, behind) => reporter.queued(request, behind),
    progress: (request, progress) => reporter.progress(request, progress),
    started(request) {
      metrics.runInProgress.remove({ request_id: '' });
      metrics.runInProgress.set({ request_id: String(request.id) }, 1);
      reporter.started(request);
    },
    note(request, note) {
      const next = note?.kind === 'paused' ? 'paused' : note?.kind === 'held' ? note.cause : null;
      if (next !== cause) {
        release();
        if (next) {
          metrics.gateHolds.inc({ reason: next });
          metrics.holding.set({ reason: next }, 1);
        }
        cause = next;
      }
      reporter.note(request, note);
    },
    finished(request) {
      release();
      metrics.runInProgress.remove({ request_id: String(request.id) });
      metrics.runInProgress.set({ request_id: '' }, 0);
      reporter.finished(request);
    },
    unresponsive: (request) => reporter.unresponsive(request),
    recovered: (request) => reporter.recovered(request),
  };
}
