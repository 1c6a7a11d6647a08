import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import {
  embeddedDataDir,
  isListening,
  startEmbeddedPostgres,
  stopLeftoverServer,
} from '../../dev/postgres/embedded-postgres.js';
import { start, type Running } from '../helpers/child-process.js';
import { createScratchDb } from '../helpers/scratch-db.js';

/**
 * What a sandbox killed with `kill -9` leaves behind: its PostgreSQL and its app, still running.
 * Each sandbox here is a process of its own (the built JavaScript, as `npm run sandbox` runs it), so
 * it can be killed as a person would kill it.
 */
const folders: string[] = [];
const children: Running[] = [];

async function folder(): Promise<string> {
  const made = await mkdtemp(join(tmpdir(), 'clear-telemetry-leftover-'));
  folders.push(made);
  return made;
}

/** Runs `code` (an ES module body) in a Node.js process of its own, from the project's root. */
function node(code: string): Running {
  const running = start(process.execPath, ['--input-type=module', '-e', code], {});
  children.push(running);
  return running;
}

/** A process that is neither PostgreSQL nor the app, whose pid a stale file might hold. */
function bystander(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push({ child } as Running);
  return child.pid ?? 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killed(running: Running): Promise<void> {
  running.child.kill('SIGKILL');
  await running.done;
}

afterEach(() => {
  for (const running of children.splice(0)) running.child.kill('SIGKILL');
});
afterAll(async () => {
  for (const made of folders) {
    // A test that failed half-way may have left a server behind: this is what it tests.
    await stopLeftoverServer(join(made, 'pg')).catch(() => null);
    await rm(embeddedDataDir(join(made, 'pg')), { recursive: true, force: true });
    await rm(made, { recursive: true, force: true });
  }
});

describe('a sandbox started after one was killed', () => {
  it('stops the PostgreSQL it left on the folder, then one starts there again; a live one, or a stale pid, is left alone', async () => {
    const dataDir = join(await folder(), 'pg');
    const owner = node(`
      const { startEmbeddedPostgres } = await import('./dist/dev/postgres/embedded-postgres.js');
      const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, fast: true });
      console.log('up on', server.port);`);
    await owner.waitFor(/up on \d+/, 45_000);
    const port = Number(/up on (\d+)/.exec(owner.output().stdout)?.[1]);
    const pid = Number((await readFile(join(embeddedDataDir(dataDir), 'postmaster.pid'), 'utf8')).split('\n')[0]);
    // Another folder whose pid file names a process that is not its server.
    const other = join(await folder(), 'pg');
    await mkdir(embeddedDataDir(other), { recursive: true });
    const innocent = bystander();
    await writeFile(join(embeddedDataDir(other), 'postmaster.pid'), `${innocent}\n${other}\n`);

    expect(await stopLeftoverServer(other)).toBeNull();
    expect(alive(innocent)).toBe(true);
    // Its sandbox still runs it.
    expect(await stopLeftoverServer(dataDir)).toEqual({ owner: owner.child.pid });
    expect(await isListening(port)).toBe(true);

    await killed(owner);
    expect(await isListening(port)).toBe(true);
    expect(await stopLeftoverServer(dataDir)).toEqual({ stopped: pid });
    expect(alive(pid)).toBe(false);
    expect(await isListening(port)).toBe(false);

    const again = await startEmbeddedPostgres({ dataDir, fast: true });
    expect(await isListening(again.port)).toBe(true);
    await again.stop();
  }, 90_000);

  it('stops the app it left (which would talk to the next stand-in), and refuses while that sandbox lives', async () => {
    const db = await createScratchDb(inject('templateDb'));
    const place = await folder();
    const sandbox = () =>
      node(`
        const { startSandbox } = await import('./dist/sandbox/sandbox.js');
        const options = { scratchUrl: ${JSON.stringify(db.url)}, folder: ${JSON.stringify(place)}, fresh: false, rows: 0, http: false, port: 0, log: console.log };
        try {
          const sandbox = await startSandbox(options);
          // The handler first: the test sends SIGTERM the moment it reads the line.
          process.once('SIGTERM', () => sandbox.stop().then(() => process.exit(0)));
          console.log('SANDBOX READY');
        } catch (error) {
          console.log('refused:', error.message);
        }`);
    try {
      const first = sandbox();
      await first.waitFor(/^SANDBOX READY$/m, 45_000);
      const app = Number(await readFile(join(place, 'app.pid'), 'utf8'));

      const second = sandbox();
      await second.waitFor(/refused/);
      expect(second.output().stdout).toContain(
        `refused: another sandbox (pid ${first.child.pid}) is running from this folder: stop it first (Ctrl-C in its terminal), or use its page`,
      );
      expect(alive(app)).toBe(true);

      await killed(first);
      expect(alive(app)).toBe(true);
      const third = sandbox();
      await third.waitFor(/^SANDBOX READY$/m, 45_000);
      expect(third.output().stdout).toContain(`Stopped the app an earlier sandbox left running (pid ${app}).`);
      expect(alive(app)).toBe(false);
      third.child.kill('SIGTERM');
      const ended = await third.done;
      expect({ code: ended.code, signal: ended.signal, stderr: ended.stderr }).toEqual({
        code: 0,
        signal: null,
        stderr: '',
      });
    } finally {
      await db.drop();
    }
  }, 120_000);

  it("leaves a process alone that only has the app's pid file", async () => {
    const place = await folder();
    const innocent = bystander();
    await writeFile(join(place, 'app.pid'), String(innocent));
    const { AppProcess } = await import('../../sandbox/app-process.js');
    expect(await AppProcess.stopLeftover(join(place, 'app.pid'))).toBeNull();
    expect(alive(innocent)).toBe(true);
  });
});
