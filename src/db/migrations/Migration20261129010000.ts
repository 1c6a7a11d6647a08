import { Migration } from '@mikro-orm/migrations';

export class Migration20261129010000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" add column "plan_snapshot" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" drop column "plan_snapshot";`);
  }
}
