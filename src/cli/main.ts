/** Entry point of the `clear-telemetry` bin. Owns the process: signals and the exit code. */
import { runCli } from './run-cli.js';

const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  // The run says "Stopping…" itself, above its progress bar, so the screen stays readable.
  stop.abort();
});

process.exitCode = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  process.env,
  stop.signal,
);
