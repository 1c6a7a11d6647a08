import { describe, expect, it } from 'vitest';
import { start } from '../helpers/child-process.js';

const sandbox = (...args: string[]) => start(process.execPath, ['dist/sandbox/main.js', ...args], {}).done;

describe('npm run sandbox: its flags', () => {
  it('prints its usage for --help, and starts nothing', async () => {
    const { code, stdout, stderr } = await sandbox('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run sandbox \[-- options\]\n {2}--rows N/);
    expect(stdout).toContain('--verbose');
    expect(stderr).toBe('');
  });

  it.each([
    [['--rws', '5'], "sandbox: Unknown option '--rws'"],
    [['--port'], "sandbox: Option '--port <value>' argument missing"],
    [['--rows', 'many'], 'sandbox: --rows takes a whole number of webhooks, --port a port number (0 picks one)'],
  ])('%j says what is wrong in one line, with no stack trace, and exits 2', async (args, message) => {
    const { code, stdout, stderr } = await sandbox(...args);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });
});
