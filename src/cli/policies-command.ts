import { loadPolicyConfig, type Env } from '../config.js';
import type { Policy } from '../domain/policy/policy.js';
import { formatCount, formatTimestamp } from '../domain/wording/format.js';
import { ConfigError } from '../errors.js';
import { policySchedules } from '../policies/cron-schedule.js';
import { loadPolicies } from '../policies/load-policies.js';
import { EXIT, PROGRAM, type CliIo } from './cli-io.js';

const NEXT_RUNS_SHOWN = 3;

/**
 * `clear-telemetry policies`: the policies of CLEAR_TELEMETRY_POLICIES with their next runs; with
 * `--check FILE`, that file instead, so a deployment's CI can check it before it ships. Neither
 * needs a database. A file with mistakes prints one line per mistake and exits 2.
 */
export async function policiesCommand(
  checkFile: string | null,
  io: CliIo,
  env: Env,
  now = new Date(),
): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  let file = checkFile;
  try {
    file ??= loadPolicyConfig(env).file;
    if (!file) {
      say(
        `No retention policies: CLEAR_TELEMETRY_POLICIES names no file. Check one with ${PROGRAM} policies --check FILE.`,
      );
      return EXIT.ok;
    }
    const policies = await loadPolicies(file);
    const schedules = policySchedules(policies);
    say(`${file}: ${policies.length === 1 ? '1 policy' : `${policies.length} policies`}, no mistakes.`);
    for (const policy of policies) {
      const runs: Date[] = [];
      const schedule = schedules.get(policy.name);
      for (let after = now; schedule && runs.length < NEXT_RUNS_SHOWN;) {
        const next = schedule.nextSlot(after);
        if (!next) break;
        runs.push(next);
        after = next;
      }
      say('');
      say(policyLines(policy, runs));
    }
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) io.stderr.write(`${PROGRAM}: ${problem}\n`);
    return EXIT.usage;
  }
}

function policyLines(policy: Policy, runs: Date[]): string {
  const approval =
    policy.approval === 'auto'
      ? `approves up to ${formatCount(policy.maxRows ?? 0)} rows itself; a bigger plan waits for an approver`
      : 'every request waits for an approver';
  return [
    policy.name,
    `  schedule:  ${policy.schedule} (${policy.timezone})`,
    `  flags:     ${policy.flags}`,
    `  channel:   ${policy.channel}`,
    `  approval:  ${policy.approval}: ${approval}`,
    `  next runs: ${runs.length > 0 ? runs.map(formatTimestamp).join(', ') : 'none'}`,
  ].join('\n');
}
