import { Migration } from '@mikro-orm/migrations';

export class Migration20261128195611 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "clear_telemetry_notice" ("id" serial primary key, "request_id" int not null, "kind" text check ("kind" in ('reply', 'edit')) not null, "channel_id" varchar(255) not null, "ts" varchar(255) not null, "text" text not null, "blocks" jsonb not null, "created_at" timestamptz not null, "claimed_by" varchar(255) null, "claimed_until" timestamptz null, "attempts" int not null default 0, "delivered_at" timestamptz null, "last_error" text null);`,
    );
    this.addSql(
      `create index "clear_telemetry_notice_undelivered" on "clear_telemetry_notice" ("claimed_until") where "delivered_at" is null;`,
    );

    this.addSql(
      `alter table "clear_telemetry_request" add column "stop_requested_at" timestamptz null, add column "paused_by" varchar(255) null, add column "paused_at" timestamptz null;`,
    );
    this.addSql(
      `create unique index "clear_telemetry_request_one_running" on "clear_telemetry_request" ("target_table") where "state" = 'running';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "clear_telemetry_notice" cascade;`);

    this.addSql(`drop index if exists "clear_telemetry_request_one_running";`);
    this.addSql(
      `alter table "clear_telemetry_request" drop column "stop_requested_at", drop column "paused_by", drop column "paused_at";`,
    );
  }
}
