import { Migration } from '@mikro-orm/migrations';

export class Migration20261129120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" add column "archive" boolean not null default false,
      add column "archive_days" integer null, add column "archive_bytes" bigint null,
      add column "kind" varchar(255) not null default 'purge', add column "restore_of" integer null references "clear_telemetry_request" ("id"),
      add column "skipped_count" integer not null default 0;`);
    // Every row an archived purge deleted, whole, as jsonb: the Django table may gain columns later.
    this.addSql(`create table "clear_telemetry_archive" (
      "id" bigserial primary key,
      "request_id" integer not null references "clear_telemetry_request" ("id"),
      "row_id" integer not null,
      "row" jsonb not null,
      "archived_at" timestamptz not null default now()
    );`);
    this.addSql(`create index "clear_telemetry_archive_request" on "clear_telemetry_archive" ("request_id", "id");`);
    this.addSql(`create index "clear_telemetry_archive_archived_at" on "clear_telemetry_archive" ("archived_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table "clear_telemetry_archive";`);
    this
      .addSql(`alter table "clear_telemetry_request" drop column "archive", drop column "archive_days", drop column "archive_bytes",
      drop column "kind", drop column "restore_of", drop column "skipped_count";`);
  }
}
