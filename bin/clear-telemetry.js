#!/usr/bin/env -S node --max-semi-space-size=1
// --max-semi-space-size=1 (MiB): V8's young generation, 16 MiB by default, was most of what a run
// held above 100 MiB; at 1 MiB a recorded run peaks at about 90 MiB, with no change in its time
// (README, Benchmarks). `node bin/clear-telemetry.js` skips this line: pass the flag yourself.
// Runs the bundle that `npm ci` builds into dist/cli/ (the `prepare` script). A checkout without it,
// or CLEAR_TELEMETRY_SOURCE=1, runs the TypeScript source through tsx instead.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1 and later keep the bundle's compiled code between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it off).
module.enableCompileCache?.();

const bundled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.CLEAR_TELEMETRY_SOURCE !== '1' && existsSync(bundled)) {
  await import(bundled.href);
} else {
  // tsx is a development dependency: a production install has the bundle, and nothing else.
  const tsx = await import('tsx/esm/api').catch(() => null);
  if (!tsx) {
    process.stderr.write('clear-telemetry: dist/cli/main.js is missing: run npm run build (npm ci does it).\n');
    process.exit(1);
  }
  tsx.register();
  await import('../src/cli/main.ts');
}
