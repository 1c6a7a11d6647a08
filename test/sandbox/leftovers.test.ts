import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { isListening, startEmbeddedPostgres, stopLeftoverServer } from '../../db/embedded-postgres.js';
import { AppProcess } from '../../sandbox/app-process.js';
import { startSandbox } from '../../sandbox/sandbox.js';
import { createScratchDb } from '../helpers/scratch-db.js';

/** What a sandbox killed with `kill -9` leaves behind: its PostgreSQL and its app, both still running. */
const folders: string[] = [];
const sleepers: ReturnType<typeof spawn>[] = [];

async function folder(): Promise<string> {
  const made = await mkdtemp(join(tmpdir(), 'clear-telemetry-leftover-'));
  folders.push(made);
  return made;
}

/** A process that is neither PostgreSQL nor the app, whose pid a stale file might hold. */
function bystander(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  sleepers.push(child);
  return child.pid ?? 0;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(() => {
  for (const child of sleepers.splice(0)) child.kill();
});
afterAll(async () => {
  for (const made of folders) await rm(made, { recursive: true, force: true });
});

describe('a sandbox started after one was killed', () => {
  it('stops the PostgreSQL left running on its folder, then one starts there again; a stale pid is left alone', async () => {
    const dataDir = join(await folder(), 'pg');
    const left = await startEmbeddedPostgres({ dataDir, fast: true });
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    // Another folder whose pid file names a process that is not its server.
    const other = join(await folder(), 'pg');
    await mkdir(other, { recursive: true });
    const innocent = bystander();
    await writeFile(join(other, 'postmaster.pid'), `${innocent}\n${other}\n`);

    expect(await stopLeftoverServer(other)).toBeNull();
    expect(alive(innocent)).toBe(true);
    expect(await stopLeftoverServer(dataDir)).toBe(pid);
    expect(alive(pid)).toBe(false);
    expect(await isListening(left.port)).toBe(false);

    const again = await startEmbeddedPostgres({ dataDir, fast: true });
    expect(await isListening(again.port)).toBe(true);
    await again.stop();
  }, 60_000);

  it('stops the app left running (it would reconnect to the next stand-in), and only the app', async () => {
    const db = await createScratchDb(inject('templateDb'));
    const place = await folder();
    const sandbox = await startSandbox({ scratchUrl: db.url, folder: place, fresh: false, rows: 0, http: false, port: 0, log: () => undefined });
    try {
      const pidFile = join(place, 'app.pid');
      const appPid = Number(await readFile(pidFile, 'utf8'));
      expect(sandbox.app.running).toBe(true);
      const innocent = bystander();
      await writeFile(pidFile, String(innocent));
      expect(await AppProcess.stopLeftover(pidFile)).toBeNull();
      expect(alive(innocent)).toBe(true);

      await writeFile(pidFile, String(appPid));
      expect(await AppProcess.stopLeftover(pidFile)).toBe(appPid);
      await expect.poll(() => sandbox.app.running).toBe(false);
      await expect(readFile(pidFile, 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await sandbox.stop();
      await db.drop();
    }
  }, 60_000);
});
