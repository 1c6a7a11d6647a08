import { Migration } from '@mikro-orm/migrations';

export class Migration20261129060000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" add column "queued_behind" integer null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" drop column "queued_behind";`);
  }
}
