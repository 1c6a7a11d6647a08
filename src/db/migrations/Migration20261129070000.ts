import { Migration } from '@mikro-orm/migrations';

export class Migration20261129070000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" add column "active_ms" integer not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" drop column "active_ms";`);
  }
}
