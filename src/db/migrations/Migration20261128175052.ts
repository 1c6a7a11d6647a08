import { Migration } from '@mikro-orm/migrations';

export class Migration20261128175052 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "clear_telemetry_request" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "source" varchar(255) not null, "target_table" varchar(255) not null, "state" text check ("state" in ('awaiting_approval', 'approved', 'running', 'succeeded', 'failed', 'stopped', 'interrupted', 'cancelled', 'expired')) not null, "status_filter" varchar(255) not null, "batch_size" int not null, "use_cursor" boolean not null, "force" boolean not null, "method" varchar(255) not null, "method_reason" text not null, "watermark" int null, "matching_count" int not null, "total_count" int not null, "status_counts" jsonb not null, "oldest_created_at" timestamptz null, "newest_created_at" timestamptz null, "planned_at" timestamptz not null, "expires_at" timestamptz null, "requester_id" varchar(255) not null, "team_id" varchar(255) null, "channel_id" varchar(255) null, "message_ts" varchar(255) null, "approver_id" varchar(255) null, "approved_at" timestamptz null, "self_approved" boolean not null default false, "decided_by" varchar(255) null, "decided_at" timestamptz null, "stop_requested_by" varchar(255) null, "runner_id" varchar(255) null, "started_at" timestamptz null, "heartbeat_at" timestamptz null, "finished_at" timestamptz null, "deleted_count" int not null default 0, "batches_done" int not null default 0, "last_deleted_id" int null, "method_used" varchar(255) null, "fallback_reason" text null, "error" text null);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "clear_telemetry_request" cascade;`);
  }
}
