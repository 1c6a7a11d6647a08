import { Migration } from '@mikro-orm/migrations';

export class Migration20261203120000 extends Migration {
  override async up(): Promise<void> {
    // Which retention policy made a request, and for which of its scheduled slots.
    this.addSql(`alter table "clear_telemetry_request"
      add column "policy" varchar(255) null,
      add column "policy_slot" timestamptz null;`);
    // Each policy's slots, once each across every replica and restart: the key is (policy, slot).
    this.addSql(`create table "clear_telemetry_policy_slot" (
      "policy" varchar(255) not null,
      "slot_at" timestamptz not null,
      "outcome" varchar(32) not null,
      "request_id" integer null references "clear_telemetry_request" ("id"),
      "detail" text null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      primary key ("policy", "slot_at")
    );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table "clear_telemetry_policy_slot";`);
    this.addSql(`alter table "clear_telemetry_request" drop column "policy", drop column "policy_slot";`);
  }
}
