/**
 * The project's own copy of the Django table it purges: `schema.sql` is the queue exactly as the
 * Django app's migrations create it (assignments 0017, 0003, 0004, 0023), `seed-webhooks.sql` fills
 * it with realistic rows. Tests, the bench and the sandbox load them from here, never from outside
 * the repository.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../../../src/project-root.js';

const HERE = projectPath('dev/postgres/django');

export function djangoSchemaSql(): string {
  return readFileSync(`${HERE}/schema.sql`, 'utf8');
}

/** The seed script with its psql variables filled in: `rows` webhooks, the newest `pending` of them PENDING. */
export function seedWebhooksSql(rows: number, pending: number): string {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(pending) || rows < 0 || pending < 0) {
    throw new RangeError(`rows and pending must be whole numbers (got ${rows}, ${pending})`);
  }
  return readFileSync(`${HERE}/seed-webhooks.sql`, 'utf8').replace(/:(rows|pending)\b/g, (_, name: string) =>
    String(name === 'rows' ? rows : pending),
  );
}
