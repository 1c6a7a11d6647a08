#!/usr/bin/env node
// Runs the JavaScript that `npm ci` builds into dist/ (the `prepare` script). A checkout without it,
// or CLEAR_TELEMETRY_SOURCE=1 (the tests), runs the TypeScript source through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (process.env.CLEAR_TELEMETRY_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
