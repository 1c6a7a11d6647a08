import type { MikroORM } from '@mikro-orm/postgresql';
import type { PurgeConfig } from '../config.js';
import { SqlArchiveStore } from '../db/archive-store.js';
import { MikroRequestLedger } from '../db/request-ledger.js';
import { restoreLines, restoreOutcomeLine } from '../domain/undo/restore-text.js';
import { restorePlan, surveyRestore } from '../domain/undo/restore.js';
import type { WebhookQueue } from '../domain/ports.js';
import type { Log } from '../log.js';
import { confirm } from './confirm.js';
import { formatCount } from '../domain/wording/format.js';
import { EXIT, type CliIo } from './cli-io.js';
import { createProgressDisplay } from './progress-display.js';
import { runFromTerminal } from './terminal-run.js';
import * as text from './terminal-text.js';
import { mikroSql } from '../db/mikro-sql.js';

interface RestoreDeps {
  orm: MikroORM;
  databaseUrl: string;
  queue: WebhookQueue;
  config: PurgeConfig;
  io: CliIo;
  log: Log;
  target: Parameters<typeof text.targetLine>[0];
  signal?: AbortSignal;
}

/**
 * `clear-telemetry restore --request N`: what an archived purge deleted, put back with its original
 * ids, as a recorded request with the same confirmation as a purge (a terminal's yes, or --force).
 */
export async function restoreFromTerminal(
  purgeId: number,
  options: { dryRun: boolean; force: boolean },
  deps: RestoreDeps,
): Promise<number> {
  const { io } = deps;
  const say = (...lines: string[]) => lines.forEach((line) => io.stdout.write(`${line}\n`));
  const ledger = new MikroRequestLedger(deps.orm.em);
  // A killed run still reads as running until someone notices: as a terminal purge does, notice it here.
  await ledger.interruptStale(deps.config.run.staleAfterMs);
  const surveyed = await surveyRestore(ledger, new SqlArchiveStore(mikroSql(deps.orm.em)), purgeId);
  if ('refusal' in surveyed) {
    io.stderr.write(`clear-telemetry: ${surveyed.refusal}\n`);
    return EXIT.failure;
  }
  const { purge, survey } = surveyed;
  say(...restoreLines(purge, survey));
  if (options.dryRun) {
    say(text.RESTORE_DRY_RUN_LINE);
    return EXIT.ok;
  }
  if (!options.force) {
    if (!io.stdin.isTTY) {
      io.stderr.write(`${text.NOT_A_TERMINAL}\n`);
      return EXIT.usage;
    }
    const answer = await confirm(
      `Restore ${formatCount(survey.rows)} rows archived by request #${purgeId} into ${text.targetLine(deps.target).replace('Database: ', '')}? (yes/no): `,
      io.stdin,
      io.stdout,
      deps.signal,
    );
    if (answer !== 'yes') {
      say(text.CANCELLED_LINE);
      return answer === 'interrupted' ? EXIT.interrupted : EXIT.ok;
    }
  }
  const display = createProgressDisplay(io.stdout, 'restore');
  const outcome = await runFromTerminal(
    restorePlan(purge.plan, survey, new Date()),
    false,
    { ...deps, display },
    purgeId,
  );
  await display.finish();
  if ('busy' in outcome) {
    io.stderr.write(`${text.busyLine(outcome.busy, deps.config.run.staleAfterMs)}\n`);
    return EXIT.busy;
  }
  const line = restoreOutcomeLine(purgeId, outcome);
  if (outcome.state === 'completed') say(line);
  else io.stderr.write(`${line}\n`);
  return { completed: EXIT.ok, stopped: EXIT.interrupted, failed: EXIT.failure }[outcome.state];
}
