import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Resolves once stdout has printed something matching. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<Finished>;
  output(): { stdout: string; stderr: string };
}

/**
 * Starts a command of the project as a real child process with its own environment. The bin runs the
 * built JavaScript, as installed; the test setup rebuilt it if the source changed since.
 */
export function start(command: string, args: readonly string[], env: Record<string, string | undefined>): Running {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    watchers.forEach((check) => check());
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; stdout so far:\n${stdout}\n${stderr}`)),
          timeoutMs,
        );
        const check = () => {
          if (!pattern.test(stdout)) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolveWait();
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs the `clear-telemetry` bin to completion. stdin stays open unless `input` is given. */
export async function runBin(
  args: readonly string[],
  env: Record<string, string | undefined>,
  input?: string,
): Promise<Finished> {
  const running = start(process.execPath, ['bin/clear-telemetry.js', ...args], env);
  if (input !== undefined) running.child.stdin?.end(input);
  const finished = await running.done;
  running.child.stdin?.destroy();
  return finished;
}
