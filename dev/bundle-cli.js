/**
 * Bundles the terminal command (src/cli/main.ts) into dist/cli/ with esbuild, for start-up time: one
 * file per lazily loaded part instead of some 300 modules (zod alone is 226) to resolve and link.
 * `--help` loads main.js only; a preview or dry run adds the purge chunk; the ledger's chunk loads for
 * status, history, restore and recorded runs. Left to node_modules: MikroORM and knex (they load
 * drivers and dialects by name), pg (MikroORM's copy, not a second one) and pino (its transports are
 * files of their own). `npm run build` runs this after tsc.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/cli`;
// Chunk names carry a content hash: clear out the last build's.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@mikro-orm/*', '@slack/*', 'knex', 'pg', 'pg-native', 'pino'],
  // The bundled CommonJS packages (bottleneck, cli-progress) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
