/** Entry point of the `clear-telemetry` bin. Owns the process: signals, a closed output, and the exit code. */
import { EXIT, OUTPUT_CLOSED } from './cli-io.js';
import { runCli } from './run-cli.js';

const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  // The run says "Stopping…" itself, above its progress bar, so the screen stays readable.
  stop.abort();
});

// A closed pipe (`clear-telemetry … | head`) must not kill a run part-way with a stack trace: the
// run stops after its current batch, recorded as stopped and resumable, and the exit code is 141.
// Later writes to the closed stream fail quietly here too.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', () => {
    if (!stop.signal.aborted) stop.abort(OUTPUT_CLOSED);
  });
}

const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  process.env,
  stop.signal,
);
process.exitCode = stop.signal.reason === OUTPUT_CLOSED ? EXIT.outputClosed : code;
