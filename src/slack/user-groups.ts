import type { WebClient } from '@slack/web-api';
import Bottleneck from 'bottleneck';
import { NotAllowedError } from '../errors.js';
import type { SlackLimits } from './limits.js';

/**
 * Members of Slack user groups (S…), for the requester, approver and break-glass lists. Cached
 * briefly and paced within usergroups.users.list's Tier 2 limit. A failed lookup refuses (fails
 * closed) with a message saying why.
 */
export class UserGroupDirectory {
  private readonly cache = new Map<string, { at: number; members: Promise<ReadonlySet<string>> }>();
  private readonly limiter: Bottleneck;

  constructor(
    private readonly client: WebClient,
    private readonly limits: SlackLimits,
    private readonly now: () => number = Date.now,
    connection?: Bottleneck.IORedisConnection,
  ) {
    this.limiter = new Bottleneck({
      ...(connection ? { datastore: 'ioredis', connection, clearDatastore: false } : {}),
      id: 'clear-telemetry-usergroups.users.list',
      maxConcurrent: 1,
      reservoir: limits.groupLookupsPerMinute,
      reservoirRefreshAmount: limits.groupLookupsPerMinute,
      reservoirRefreshInterval: 60_000,
    });
    // A failed lookup rejects its own promise, which refuses access with the reason.
    this.limiter.on('error', () => undefined);
  }

  readonly members = (groupId: string): Promise<ReadonlySet<string>> => {
    const cached = this.cache.get(groupId);
    if (cached && this.now() - cached.at < this.limits.groupCacheMs) return cached.members;
    const members = this.lookUp(groupId);
    this.cache.set(groupId, { at: this.now(), members });
    members.catch(() => this.cache.delete(groupId));
    return members;
  };

  private async lookUp(groupId: string): Promise<ReadonlySet<string>> {
    try {
      // With Redis, a lookup held by a process that died must not hold the slot forever.
      const result = await this.limiter.schedule({ expiration: 30_000 }, () =>
        this.client.usergroups.users.list({ usergroup: groupId, include_disabled: false }),
      );
      return new Set(result.users ?? []);
    } catch (error) {
      const reason =
        (error as { data?: { error?: string } }).data?.error ??
        (error instanceof Error ? error.message : String(error));
      throw new NotAllowedError(
        `Could not read the members of user group <!subteam^${groupId}> (${reason}), so access is refused to be safe.`,
        {
          cause: error,
        },
      );
    }
  }
}
