import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicies } from '../src/policies/load-policies.js';
import { PROJECT_ROOT } from './helpers/child-process.js';

/** The README is a front door and the docs link to what exists; their policy examples are valid files. */
const pages = [
  'README.md',
  ...readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (page: string) => readFileSync(join(PROJECT_ROOT, page), 'utf8');

describe('the README and docs', () => {
  it('keeps the README to about 8 KB', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThanOrEqual(8_192);
  });

  it.each(pages)('%s links only to files that exist', (page) => {
    const targets = [...read(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1] ?? '')
      .filter((target) => !/^[a-z]+:/.test(target));
    const missing = targets.filter((target) => !existsSync(resolve(PROJECT_ROOT, dirname(page), target)));
    expect(missing).toEqual([]);
  });

  it.each(['README.md', 'docs/operating.md'])('%s shows policy files without a mistake', (page) => {
    const examples = [...read(page).matchAll(/```yaml\n(policies:[\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(parsePolicies(example, page).length).toBeGreaterThan(0);
  });

  it('names every variable of docs/configuration.md in .env.sample', () => {
    const documented = [...read('docs/configuration.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map(
      (match) => match[1],
    );
    const sample = new Set([...read('.env.sample').matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((name) => !sample.has(name))).toEqual([]);
  });
});
