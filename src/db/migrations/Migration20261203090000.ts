import { Migration } from '@mikro-orm/migrations';

export class Migration20261203090000 extends Migration {
  override async up(): Promise<void> {
    // Where the request's message was posted again when the original could no longer be edited, and
    // since when its run's process has not answered (its liveness lock free, its heartbeat silent).
    // And why it was asked for: a person's --reason (an incident, a ticket, a sentence).
    this.addSql(`alter table "clear_telemetry_request"
      add column "reposted_ts" varchar(255) null,
      add column "unresponsive_since" timestamptz null,
      add column "reason" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "clear_telemetry_request" drop column "reposted_ts", drop column "unresponsive_since", drop column "reason";`,
    );
  }
}
