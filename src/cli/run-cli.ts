import type { Readable } from 'node:stream';
import { loadDatabaseConfig, loadPurgeConfig, type Env, type PurgeConfig } from '../config.js';
import { MikroWebhookQueue } from '../db/webhook-queue.js';
import { initORM } from '../db/init-orm.js';
import { describeError } from '../describe-error.js';
import { parseClearArgs, usage, type ClearArgs } from '../domain/clear-args.js';
import { makePlan } from '../domain/plan.js';
import { UsageError } from '../errors.js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createLog } from '../log.js';
import { confirm } from './confirm.js';
import { runFromTerminal } from './terminal-run.js';
import { createProgressDisplay, type Output } from './progress-display.js';
import * as text from './terminal-text.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
const PROGRAM = 'clear-telemetry';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin: Readable & { isTTY?: boolean };
}

/** The `clear-telemetry` terminal command: argv in, exit code out. */
export async function runCli(argv: readonly string[], io: CliIo, env: Env, signal?: AbortSignal): Promise<number> {
  let args: ClearArgs;
  try {
    args = parseClearArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${PROGRAM}: ${error.message}\n\n${usage(PROGRAM)}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    io.stdout.write(`${usage(PROGRAM)}\n`);
    return EXIT.ok;
  }
  try {
    const { databaseUrl } = loadDatabaseConfig(env);
    const config = loadPurgeConfig(env);
    const orm = await initORM(databaseUrl);
    try {
      return await clearTelemetry(args, orm, databaseUrl, config, io, env, signal);
    } finally {
      await orm.close(true);
    }
  } catch (error) {
    io.stderr.write(`${PROGRAM}: ${describeError(error)}\n`);
    return EXIT.failure;
  }
}

async function clearTelemetry(args: ClearArgs, orm: MikroORM, databaseUrl: string, config: PurgeConfig, io: CliIo, env: Env, signal?: AbortSignal): Promise<number> {
  const say = (...lines: string[]) => lines.forEach((line) => io.stdout.write(`${line}\n`));
  const queue = new MikroWebhookQueue(orm.em, { censusTimeoutMs: config.censusTimeoutMs });
  const plan = makePlan(await queue.census(), args, config.plan, new Date());
  if (plan.matching === 0) {
    say(text.nothingFoundLine(plan.status));
    if (args.showSummary) say(...text.summaryLines(plan.summary));
    return EXIT.ok;
  }
  say(text.foundLine(plan), ...text.planLines(plan));
  if (args.showSummary) say(...text.summaryLines(plan.summary));
  if (args.dryRun) {
    say(text.DRY_RUN_LINE);
    return EXIT.ok;
  }
  if (!args.force) {
    if (!io.stdin.isTTY) {
      io.stderr.write(`${text.NOT_A_TERMINAL}\n`);
      return EXIT.usage;
    }
    const answer = await confirm(text.confirmQuestion(plan), io.stdin, io.stdout, signal);
    if (answer !== 'yes') {
      say(text.CANCELLED_LINE);
      return answer === 'interrupted' ? EXIT.interrupted : EXIT.ok;
    }
  }
  const display = createProgressDisplay(io.stdout);
  const warn = (line: string) => void io.stderr.write(`${line}\n`);
  const log = createLog(env.LOG_LEVEL ?? 'silent', io.stderr);
  const outcome = await runFromTerminal(plan, args.useCursor, { orm, databaseUrl, queue, config, display, say, warn, log, signal });
  await display.finish();
  if ('busy' in outcome) {
    warn(text.busyLine(outcome.busy));
    return EXIT.failure;
  }
  const line = text.outcomeLine(outcome, plan);
  if (outcome.state === 'completed') say(line);
  else io.stderr.write(`${line}\n`);
  return { completed: EXIT.ok, stopped: EXIT.interrupted, failed: EXIT.failure }[outcome.state];
}
