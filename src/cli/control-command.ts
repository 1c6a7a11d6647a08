import type { ClearArgs } from '../domain/plan/clear-args.js';
import type { PurgeRequestRecord } from '../domain/request/request.js';
import { notRespondingAfterMs } from '../domain/run/heartbeat.js';
import { formatCount } from '../domain/wording/format.js';
import { statusPhrase } from '../domain/wording/sentences.js';
import { EXIT, PROGRAM, type CommandDeps } from './cli-io.js';
import { ask, report } from './run-report.js';
import { requestStateSentence } from './terminal-text.js';
import { resumeFromTerminal, type TerminalRunDeps } from './terminal-run.js';
import { terminalUser } from './terminal-user.js';
import type { RequestLedger } from '../domain/run-ports.js';
import { audit } from '../domain/audit.js';

type ControlDeps = CommandDeps & Omit<TerminalRunDeps, 'display' | 'signal'>;

/**
 * `clear-telemetry stop|pause|continue|cancel|resume --request N`: what the Slack buttons do, from a
 * terminal (which is break-glass by nature: whoever holds DATABASE_URL). Stop, Pause and Continue are
 * flags the run reads between batches, wherever it runs; Resume runs the request here.
 */
export async function controlCommand(args: ClearArgs, ledger: RequestLedger, deps: ControlDeps): Promise<number> {
  const id = args.requestId ?? 0;
  const { config } = deps;
  // A run whose process died (its liveness lock free) and that has been silent a few seconds is
  // declared interrupted now: a person is waiting, and no janitor runs in a terminal.
  await ledger.interruptStale(notRespondingAfterMs(config.run.staleAfterMs), config.run.staleAfterMs * 10);
  const request = await ledger.get(id);
  if (!request) return fail(deps, `request #${id} is not in the ledger (${PROGRAM} history lists the requests).`);
  const who = terminalUser();
  const now = new Date();
  switch (args.command) {
    case 'resume':
      return resume(request, args, deps);
    case 'stop': {
      if (!(await ledger.requestStop(id, who, now)))
        return fail(deps, `nothing to stop: ${requestStateSentence(request)}.`);
      audit(deps.log, 'stopped', { requestId: id, by: who, source: 'terminal' });
      deps.say(
        request.unresponsiveSince
          ? `Stop recorded for request #${id}, but its process is not responding: it will not go on, and it is marked interrupted shortly.`
          : `Stop requested: request #${id} stops after its current batch (it runs in ${request.runnerId ?? 'another process'}).`,
      );
      return EXIT.ok;
    }
    case 'pause':
    case 'continue': {
      const pause = args.command === 'pause';
      if (!(await ledger.setPause(id, pause ? who : null, now))) {
        return fail(deps, `nothing to ${args.command}: ${requestStateSentence(request)}.`);
      }
      audit(deps.log, pause ? 'paused' : 'resumed', {
        requestId: id,
        by: who,
        from: pause ? 'running' : 'paused',
        source: 'terminal',
      });
      deps.say(
        pause
          ? `Paused request #${id} after its current batch; ${PROGRAM} continue --request ${id} goes on.`
          : `Request #${id} goes on.`,
      );
      return EXIT.ok;
    }
    case 'cancel': {
      if (!(await ledger.cancel(id, who, now)))
        return fail(deps, `nothing to cancel: ${requestStateSentence(request)}.`);
      audit(deps.log, 'cancelled', {
        requestId: id,
        by: who,
        queued: request.state === 'approved',
        source: 'terminal',
      });
      deps.say(`Cancelled request #${id}: nothing was deleted by it.`);
      return EXIT.ok;
    }
    default:
      return fail(deps, `${args.command} does not act on a request.`);
  }
}

/** Resume here: says what is left, asks (or --force), runs it with the terminal's progress, reports. */
async function resume(request: PurgeRequestRecord, args: ClearArgs, deps: ControlDeps): Promise<number> {
  if (!['stopped', 'interrupted', 'failed'].includes(request.state)) {
    return fail(deps, `request #${request.id} cannot be resumed: ${requestStateSentence(request)}.`);
  }
  const { plan, position } = request;
  const left = Math.max(0, plan.matching - position.deleted);
  const what =
    request.kind === 'restore'
      ? `archived rows of request #${request.restoreOf ?? '?'}`
      : `LearnPackWebhook records ${statusPhrase(plan.status, (status) => `'${status}'`)}`;
  deps.say(
    `Resume request #${request.id} (${request.state}): ${formatCount(position.deleted)} of ${formatCount(plan.matching)} ${what} ${request.kind === 'restore' ? 'restored' : 'deleted'} so far`,
    `  Left: ${formatCount(left)} previewed rows, after id ${formatCount(position.lastId ?? 0)}, within the same watermark (id <= ${formatCount(plan.watermark ?? 0)})`,
  );
  if (!args.force) {
    const answer = await ask(`Resume request #${request.id} on ${deps.database.target.database}? (yes/no): `, deps);
    if (answer !== EXIT.ok) return answer;
  }
  audit(deps.log, 'resumed', { requestId: request.id, by: terminalUser(), from: request.state, source: 'terminal' });
  return report(
    args,
    plan,
    deps,
    (display) => resumeFromTerminal(request.id, { ...deps, display, signal: deps.signal }),
    request.restoreOf,
  );
}

function fail(deps: Pick<CommandDeps, 'io'>, line: string): number {
  deps.io.stderr.write(`${PROGRAM}: ${line}\n`);
  return EXIT.failure;
}
