import type { ClearArgs } from '../domain/plan/clear-args.js';
import type { Plan } from '../domain/plan/plan.js';
import { confirm } from './confirm.js';
import { createProgressDisplay, type ProgressDisplay } from './progress-display.js';
import { EXIT, OUTPUT_CLOSED, PROGRAM, type CommandDeps } from './cli-io.js';
import type { TerminalRun } from './terminal-run.js';
import * as text from './terminal-text.js';

/** The terminal's two moments around a run: the question before it, and the report after it. */

/**
 * The yes/no question before anything is deleted. Only "yes" goes on: "no", an empty answer or the
 * end of input (Ctrl-D) all exit 2, as does a standard input that is not a terminal; Ctrl-C exits 130.
 */
export async function ask(question: string, deps: Pick<CommandDeps, 'io' | 'say' | 'signal'>): Promise<number> {
  const { io, say, signal } = deps;
  if (!io.stdin.isTTY) {
    io.stderr.write(`${text.NOT_A_TERMINAL}\n`);
    return EXIT.usage;
  }
  const answer = await confirm(question, io.stdin, io.stdout, signal);
  if (answer === 'yes') return EXIT.ok;
  say(text.CANCELLED_LINE);
  return answer === 'interrupted' ? EXIT.interrupted : EXIT.usage;
}

/**
 * Runs the confirmed plan under a progress bar, then says how it ended, with the next step a person
 * can take (resume or restore it, by its request number), and with --json as one JSON object.
 */
export async function report(
  args: Pick<ClearArgs, 'json'>,
  plan: Plan,
  deps: CommandDeps,
  run: (display: ProgressDisplay) => Promise<TerminalRun>,
  /** The archived purge a restore brings back; null for a purge. */
  restoreOf: number | null = null,
): Promise<number> {
  const { io, say, signal } = deps;
  const display = createProgressDisplay(io.stdout, restoreOf === null ? 'delete' : 'restore');
  const stopping = () => display.note(signal?.reason === OUTPUT_CLOSED ? text.OUTPUT_CLOSED_LINE : text.STOPPING_LINE);
  signal?.addEventListener('abort', stopping, { once: true });
  const outcome = await run(display);
  signal?.removeEventListener('abort', stopping);
  await display.finish();
  if ('busy' in outcome) {
    io.stderr.write(`${text.busyLine(outcome.busy, deps.config.run.staleAfterMs)}\n`);
    return EXIT.busy;
  }
  if ('refused' in outcome) {
    io.stderr.write(`${PROGRAM}: ${outcome.refused}\n`);
    return EXIT.failure;
  }
  const lines = text.outcomeLines(outcome, plan, restoreOf);
  if (outcome.state === 'completed') say(...lines);
  else io.stderr.write(`${lines.join('\n')}\n`);
  // For cron and scripts: the same result as one JSON object, last on stdout.
  if (args.json) {
    say(
      JSON.stringify({
        requestId: outcome.requestId,
        state: outcome.state,
        status: plan.status,
        previewed: plan.matching,
        deleted: outcome.deleted,
        batches: outcome.batches,
        method: outcome.method,
        durationMs: Math.round(outcome.durationMs),
        archived: outcome.requestId !== null && plan.undo.kind === 'archive',
        error: outcome.error,
      }),
    );
  }
  if (signal?.reason === OUTPUT_CLOSED) return EXIT.outputClosed;
  return { completed: EXIT.ok, stopped: EXIT.interrupted, failed: EXIT.failure }[outcome.state];
}
