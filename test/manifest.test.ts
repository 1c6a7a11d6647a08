import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMAND } from '../commands/clear-telemetry/ids.js';

const ROOT = resolve(import.meta.dirname, '..');
const manifest = parse(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')) as {
  features: { slash_commands: { command: string; usage_hint: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
};

/** The bot scope each Web API method needs (https://docs.slack.dev/reference/methods). */
const SCOPE_OF: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.getPermalink': null,
  'usergroups.users.list': 'usergroups:read',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `client.<family>.<method>(` call in the app's code. */
function methodsCalled(): string[] {
  const methods = new Set<string>();
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'commands'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bclient\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g))
      methods.add(match[1] ?? '');
  }
  return [...methods].sort();
}

describe('manifest.yml', () => {
  it("is valid against Slack's manifest schema", () => {
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'test/fixtures/slack-manifest.schema.1.0.0.json'), 'utf8'),
    ) as object;
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
  });

  it('declares the command the code registers', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([COMMAND]);
    for (const flag of ['--status', '--batch-size', '--dry-run', '--force', '--show-summary', '--use-cursor']) {
      expect(manifest.features.slash_commands[0]?.usage_hint).toContain(flag);
    }
  });

  it('asks for exactly the scopes of the methods the code calls', () => {
    const methods = methodsCalled();
    expect(methods).toEqual(Object.keys(SCOPE_OF).sort());
    const needed = new Set([
      'commands',
      'chat:write.public',
      ...methods.map((m) => SCOPE_OF[m]).filter((s): s is string => Boolean(s)),
    ]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it('enables interactivity (the buttons) and Socket Mode by default', () => {
    expect(manifest.settings).toMatchObject({ interactivity: { is_enabled: true }, socket_mode_enabled: true });
  });
});
