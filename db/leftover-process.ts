import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const STOP_WITHIN_MS = 15_000;

/**
 * Stops a process an earlier run left behind (its parent was killed with `kill -9`, or its terminal
 * closed), when `/proc/PID/cmdline` shows it is the one expected (`isOurs` reads its arguments): a
 * pid from a stale file may belong to anything by now. Waits until it is gone. Returns the pid it
 * stopped, or null when there was none (no pid, not running, not ours, or no `/proc`).
 */
export async function stopLeftover(pid: number, isOurs: (args: string[]) => boolean, signal: NodeJS.Signals, what: string): Promise<number | null> {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return null;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline || !isOurs(cmdline.split('\0'))) return null;
  process.kill(pid, signal);
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`${what} (pid ${pid}) did not stop within ${STOP_WITHIN_MS / 1_000} s; stop it (kill ${pid}), then try again`);
    await sleep(100);
  }
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
