import { Migration } from '@mikro-orm/migrations';

export class Migration20261129080000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request"
      add column "cutoff_before" timestamptz null,
      add column "cutoff_applies_to" varchar(255) null,
      add column "cutoff_age_s" integer null,
      add column "cutoff_source" varchar(255) null,
      add column "kept_count" integer not null default 0,
      add column "row_limit" integer null,
      add column "over_cap" integer null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request"
      drop column "cutoff_before", drop column "cutoff_applies_to", drop column "cutoff_age_s", drop column "cutoff_source",
      drop column "kept_count", drop column "row_limit", drop column "over_cap";`);
  }
}
