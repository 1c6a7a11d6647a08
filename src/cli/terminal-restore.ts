import type { ClearArgs } from '../domain/plan/clear-args.js';
import { SqlArchiveStore } from '../db/archive-store.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { restoreLines } from '../domain/undo/restore-text.js';
import { restorePlan, surveyRestore } from '../domain/undo/restore.js';
import { formatCount } from '../domain/wording/format.js';
import { mikroSql } from '../db/mikro-sql.js';
import { EXIT, PROGRAM, type CommandDeps } from './cli-io.js';
import { ask, report } from './run-report.js';
import { runFromTerminal, type TerminalRunDeps } from './terminal-run.js';
import * as text from './terminal-text.js';

type RestoreDeps = CommandDeps & Omit<TerminalRunDeps, 'display' | 'signal'>;

/**
 * `clear-telemetry restore --request N`: what an archived purge deleted, put back with its original
 * ids, as a recorded request with the same confirmation as a purge (a terminal's yes, or --force).
 */
export async function restoreFromTerminal(
  purgeId: number,
  args: Pick<ClearArgs, 'dryRun' | 'force' | 'reason' | 'json'>,
  deps: RestoreDeps,
): Promise<number> {
  const { io, say } = deps;
  const ledger = new MikroRequestLedger(deps.orm.em);
  // A killed run still reads as running until someone notices: as a terminal purge does, notice it here.
  await ledger.interruptStale(deps.config.run.staleAfterMs);
  const surveyed = await surveyRestore(ledger, new SqlArchiveStore(mikroSql(deps.orm.em)), purgeId);
  if ('refusal' in surveyed) {
    io.stderr.write(`${PROGRAM}: ${surveyed.refusal}\n`);
    return EXIT.failure;
  }
  const { purge, survey } = surveyed;
  say(...restoreLines(purge, survey));
  if (args.reason) say(`  Reason: ${args.reason}`);
  if (args.dryRun) {
    say(text.RESTORE_DRY_RUN_LINE);
    return EXIT.ok;
  }
  if (!args.force) {
    const where = text.targetLine(deps.database.target).replace('Database: ', '');
    const answer = await ask(
      `Restore ${formatCount(survey.rows)} rows archived by request #${purgeId} into ${where}? (yes/no): `,
      deps,
    );
    if (answer !== EXIT.ok) return answer;
  }
  const plan = restorePlan(purge.plan, survey, new Date());
  return report(
    args,
    plan,
    deps,
    (display) =>
      runFromTerminal(plan, { useCursor: false, restoreOf: purgeId, reason: args.reason }, { ...deps, display }),
    purgeId,
  );
}
