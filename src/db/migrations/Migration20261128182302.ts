import { Migration } from '@mikro-orm/migrations';

export class Migration20261128182302 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "clear_telemetry_request" add column "first_id" int null, add column "estimated_ms" int not null default 0;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "clear_telemetry_request" drop column "first_id", drop column "estimated_ms";`);
  }
}
