import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root, whether this module runs as TypeScript source (`src/`) or as the JavaScript
 * that `npm ci` builds (`dist/src/`): the nearest folder above it that holds `package.json`.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** True when this code runs as the TypeScript source (tests, `CLEAR_TELEMETRY_SOURCE=1`), not from `dist/`. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** A path inside the checkout, e.g. `projectPath('dev/postgres/django/schema.sql')`. */
export function projectPath(...parts: string[]): string {
  return resolve(PROJECT_ROOT, ...parts);
}
