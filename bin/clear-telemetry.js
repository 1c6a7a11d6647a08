#!/usr/bin/env node
// Runs the bundle that `npm ci` builds into dist/cli/ (the `prepare` script). A checkout without it,
// or CLEAR_TELEMETRY_SOURCE=1, runs the TypeScript source through tsx instead.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.CLEAR_TELEMETRY_SOURCE !== '1' && existsSync(bundled)) {
  await import(bundled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
