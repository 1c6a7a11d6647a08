import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { stopLeftover, type Leftover } from '../dev/postgres/leftover-process.js';
import { FROM_SOURCE, PROJECT_ROOT, projectPath } from '../src/project-root.js';

/** `npm start`'s own command line, read from package.json: `node`, its options, the script. */
const START = (
  JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start.split(' ');
const NODE_OPTIONS = START.filter((word) => word.startsWith('--'));

/**
 * The app as `npm start` runs it (its node options too), the JavaScript built into dist/; when the
 * sandbox itself runs as source (its tests), the app's source through tsx, so both are the same code.
 */
const APP_ARGS = FROM_SOURCE ? [...NODE_OPTIONS, '--import', 'tsx', 'src/main.ts'] : START.slice(1);

/**
 * The unmodified app; only its environment points it at the stand-in. It can be killed (SIGKILL, a
 * crash) and started again.
 */
export class AppProcess {
  private child: ChildProcess | null = null;
  private readonly lines: string[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly onLine: (line: string) => void,
    /** Where the running app's pid is kept, so a sandbox started after a `kill -9` can stop it. */
    private readonly pidFile: string | null = null,
  ) {}

  /**
   * Stops the app an earlier sandbox left running (killed with `kill -9`, its child lives on): it
   * would reconnect to the next sandbox's stand-in on the same port, with the old database behind
   * it. Only this checkout's app, by its command line and working folder, and only when orphaned.
   */
  static async stopLeftover(pidFile: string): Promise<Leftover> {
    const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    const isApp = (args: string[]) =>
      cwd === PROJECT_ROOT && args.slice(1).filter(Boolean).join(' ') === APP_ARGS.join(' ');
    const found = await stopLeftover(pid, isApp, 'SIGKILL', 'the app an earlier sandbox left running');
    if (!found || 'stopped' in found) await rm(pidFile, { force: true });
    return found;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it and waits until it says it is listening (or exits). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, APP_ARGS, {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: a terminal's Ctrl-C reaches the sandbox, which stops the app
      // gracefully (its run interrupted, resumable) while the database is still up.
      detached: true,
    });
    this.child = child;
    if (this.pidFile && child.pid !== undefined) await writeFile(this.pidFile, String(child.pid));
    const ready = new Promise<void>((resolveReady, reject) => {
      const watch = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          this.lines.push(line);
          this.onLine(line);
          if (line.includes('clear-telemetry is listening')) resolveReady();
        }
      };
      child.stdout?.on('data', watch);
      child.stderr?.on('data', watch);
      child.once('exit', (code) =>
        reject(new Error(`the app exited (code ${code}) before it was ready:\n${this.lines.slice(-5).join('\n')}`)),
      );
    });
    await ready;
  }

  /** A crash: SIGKILL, no graceful shutdown. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
    if (this.pidFile) await rm(this.pidFile, { force: true });
  }
}
