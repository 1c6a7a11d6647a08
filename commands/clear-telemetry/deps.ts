import type { AccessList } from '../../src/domain/request/access.js';
import type { PlanPolicy } from '../../src/domain/plan/plan.js';
import type { Target } from '../../src/domain/wording/sentences.js';
import type { ArchiveStore, GroupMembers, WebhookQueue } from '../../src/domain/ports.js';
import type { RequestLedger } from '../../src/domain/run-ports.js';
import type { SharedCensus } from '../../src/domain/plan/shared-census.js';
import type { RequestRunner } from '../../src/domain/run/request-runner.js';
import type { Log } from '../../src/log.js';
import type { PolicyRoster } from '../../src/domain/policy/policy.js';
import type { PreviewLimits } from './preview-limits.js';
import type { SlackGateway } from '../../src/slack/slack-gateway.js';

/** Everything the command's listeners use, passed in by src/start-app.ts (and by tests). */
export interface ClearTelemetryDeps {
  access: {
    /** Channels where the command may be used; null means any. */
    channels: readonly string[] | null;
    requesters: AccessList;
    approvers: AccessList;
    breakGlass: AccessList;
    approvalTtlMs: number;
  };
  planPolicy: PlanPolicy;
  /** CLEAR_TELEMETRY_REQUIRE_REASON: a request that deletes or restores must say why (--reason). */
  requireReason: boolean;
  /** The retention policies (CLEAR_TELEMETRY_POLICIES), or null when none are declared. */
  policies: PolicyRoster | null;
  /** The database (and environment label) every preview names. */
  target: Target;
  queue: WebhookQueue;
  ledger: RequestLedger;
  /** What archived purges kept: a restore's preview surveys it. */
  archive: ArchiveStore;
  slack: SlackGateway;
  groupMembers: GroupMembers;
  runner: RequestRunner;
  /** Rations each user's previews, each a scan of the whole table. */
  previews: PreviewLimits;
  /** One census at a time in this process, shared by the previews that arrive meanwhile. */
  census: SharedCensus;
  clock: () => Date;
  log: Log;
}
