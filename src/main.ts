/** `npm start`: the Slack app. Owns the process: signals and the exit code. */
import { describeError } from './describe-error.js';
import { startApp } from './start-app.js';

try {
  const running = await startApp({ env: process.env });
  const stop = (signal: string) => {
    process.stderr.write(
      `${signal}: stopping (runs are interrupted after their current batch; Resume continues them)\n`,
    );
    // A bounded shutdown: whatever is still busy by then is left to the other replicas' janitors.
    setTimeout(() => process.exit(1), running.shutdownTimeoutMs + 5_000).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`clear-telemetry: ${describeError(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  process.stderr.write(`clear-telemetry: ${describeError(error)}\n`);
  process.exit(1);
}
