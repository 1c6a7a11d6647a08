import { VERSION } from '../version.js';
import { parseClearArgs, type ClearArgs } from '../domain/plan/clear-args.js';
import { usage } from '../domain/plan/usage.js';
import { UsageError } from '../errors.js';
import type { Env } from '../config.js';
import { EXIT, PROGRAM, type CliIo } from './cli-io.js';

export { EXIT, type CliIo } from './cli-io.js';

/** The terminal's help: the shared flags, then what only the terminal reads. */
const HELP = [
  usage(PROGRAM),
  '',
  'Environment:',
  '  DATABASE_URL                  the Django database, postgres://user:password@host:5432/dbname (required)',
  '  CLEAR_TELEMETRY_ENVIRONMENT   a label shown first in every plan, e.g. production',
  '  (every other setting is in docs/configuration.md)',
  '',
  `Exit codes: ${EXIT.ok} done, ${EXIT.failure} failed, ${EXIT.usage} refused before anything was touched (bad usage, no "yes", no ledger),`,
  `  ${EXIT.busy} another purge is running, ${EXIT.interrupted} stopped (Ctrl-C or Stop; resumable), ${EXIT.outputClosed} output closed (stopped after its batch; resumable)`,
  '',
  'Only "yes" confirms: piping yes into it, as into the Django command, is refused (standard input must be a terminal); use --force.',
].join('\n');

/**
 * The `clear-telemetry` terminal command: argv in, exit code out. Help, the version and usage errors
 * are answered before the database code (MikroORM, pg) is even loaded.
 */
export async function runCli(argv: readonly string[], io: CliIo, env: Env, signal?: AbortSignal): Promise<number> {
  let args: ClearArgs;
  try {
    args = parseClearArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${PROGRAM}: ${error.message}\n\n${usage(PROGRAM)}\n`);
    return EXIT.usage;
  }
  if (args.help || args.version) {
    io.stdout.write(`${args.help ? HELP : `${PROGRAM} ${VERSION}`}\n`);
    return EXIT.ok;
  }
  if (args.command === 'policies') {
    const { policiesCommand } = await import('./policies-command.js');
    return policiesCommand(args.checkFile, io, env);
  }
  const { runCommand } = await import('./purge-command.js');
  return runCommand(args, io, env, signal);
}
