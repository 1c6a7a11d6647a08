import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/child-process.js';

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => readFileSync(join(PROJECT_ROOT, dir, name), 'utf8'));
}

describe('the sandbox page', () => {
  it('draws every emoji the app writes, instead of printing its :code:', () => {
    const page = readFileSync(join(PROJECT_ROOT, 'sandbox/page/page.js'), 'utf8');
    const drawn = new Set(
      [...(/const EMOJI = \{([^}]*)\}/.exec(page)?.[1] ?? '').matchAll(/(\w+):/g)].map((match) => match[1]),
    );
    const written = new Set(
      [...sources('src'), ...sources('commands')].flatMap((text) =>
        [...text.matchAll(/(?<![\w:]):([a-z_]+):(?![\w:])/g)].map((match) => match[1]),
      ),
    );
    expect(written.size).toBeGreaterThan(5);
    expect([...written].filter((name) => !drawn.has(name))).toEqual([]);
  });
});
