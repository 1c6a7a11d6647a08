import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/project-root.js';

const SOURCES = ['src', 'commands', 'sandbox', 'dev'];
const BUILT = join(PROJECT_ROOT, 'dist/cli/main.js');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith('.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The bin runs the built JavaScript, as it does once installed; the tests spawn it so. When a source
 * file is newer than the build (an edit since the last `npm run build`), this builds first (about 8 s).
 */
export function ensureBuilt(): void {
  const built = statSync(BUILT, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built > Math.max(...SOURCES.map((dir) => newest(join(PROJECT_ROOT, dir))))) return;
  console.log('The source is newer than dist/: npm run build, so the tests run the bin as it ships.');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}
