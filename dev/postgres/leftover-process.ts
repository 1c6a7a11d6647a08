import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const STOP_WITHIN_MS = 15_000;

/** What was found: nothing of ours; ours and orphaned, now stopped; ours and still owned by a live Node.js process. */
export type Leftover = null | { stopped: number } | { owner: number };

/**
 * Stops a process an earlier run left behind, when `/proc/PID/cmdline` shows it is the one expected
 * (`isOurs` reads its arguments: a pid from a stale file may belong to anything by now) and it is
 * orphaned: its parent is init, or is not Node.js (the runner that started it was killed with
 * `kill -9`). One whose parent is still a Node.js process belongs to a run that is alive, and is left
 * alone: the caller says so. Waits until a stopped one is gone.
 */
export async function stopLeftover(
  pid: number,
  isOurs: (args: string[]) => boolean,
  signal: NodeJS.Signals,
  what: string,
): Promise<Leftover> {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return null;
  const args = await commandLine(pid);
  if (args.length === 0 || !isOurs(args)) return null;
  const parent = await parentOf(pid);
  if (parent > 1 && /(^|\/)node$/.test((await commandLine(parent))[0] ?? '')) return { owner: parent };
  process.kill(pid, signal);
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(
        `${what} (pid ${pid}) did not stop within ${STOP_WITHIN_MS / 1_000} s; stop it (kill ${pid}), then try again`,
      );
    await sleep(100);
  }
  return { stopped: pid };
}

async function commandLine(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return text ? text.split('\0') : [];
}

/** From /proc/PID/stat: "pid (command) state ppid …"; the command may hold spaces and parentheses. */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
