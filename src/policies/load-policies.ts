import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseClearArgs, splitCommandText, type ClearArgs, type PurgeArgs } from '../domain/plan/clear-args.js';
import type { Policy } from '../domain/policy/policy.js';
import { ConfigError, UsageError } from '../errors.js';
import { scheduleProblem } from './cron-schedule.js';

/** One policy as the file has it (snake_case, as YAML files usually are). */
const NAME = 'must be a short name of lower-case letters, digits and hyphens, e.g. nightly-done';
const SCHEDULE = 'is missing: a cron expression, e.g. "0 3 * * *"';
const FLAGS = "is missing: the command's flags, e.g. --status DONE --older-than 7d";
const CHANNEL = 'must be a channel ID (C…, G…), where the policy posts';
const POLICY = z.object({
  name: z.string({ error: NAME }).regex(/^[a-z0-9][a-z0-9-]{0,62}$/, NAME),
  schedule: z.string({ error: SCHEDULE }).min(1, SCHEDULE),
  timezone: z.string({ error: 'must be an IANA time zone such as Europe/Madrid' }).default('UTC'),
  flags: z.string({ error: FLAGS }).min(1, FLAGS),
  channel: z.string({ error: CHANNEL }).regex(/^[CG][A-Z0-9]+$/, CHANNEL),
  approval: z.enum(['required', 'auto'], { error: 'must be required or auto' }),
  max_rows: z
    .number({ error: 'must be a whole number of rows, at least 1' })
    .int('must be a whole number of rows, at least 1')
    .positive('must be a whole number of rows, at least 1')
    .optional(),
});

const FILE = z.object({ policies: z.array(z.unknown(), { error: 'must be a list of policies' }) });

/** Flags a schedule cannot take: it asks for a real purge, with the approval the policy says. */
const NOT_FOR_POLICIES: (keyof ClearArgs)[] = [
  'dryRun',
  'force',
  'unrecorded',
  'json',
  'help',
  'version',
  'showSummary',
];

/** A policy posting where the command is not allowed could never be approved there: refused at start. */
export function checkPolicyChannels(policies: readonly Policy[], channels: readonly string[] | null): void {
  const outside = channels ? policies.filter((policy) => !channels.includes(policy.channel)) : [];
  if (outside.length > 0) {
    const problems = outside.map(
      (policy) =>
        `CLEAR_TELEMETRY_POLICIES: policy '${policy.name}': channel ${policy.channel} is not in CLEAR_TELEMETRY_CHANNELS, so nobody could approve its requests there`,
    );
    throw new ConfigError(problems.join('\n'), { problems });
  }
}

/**
 * Reads and checks a policy file. A file with mistakes is refused as a whole, one line per mistake,
 * each naming the policy and the field, so a deployment's CI (`clear-telemetry policies --check`)
 * and the app's start-up say the same thing.
 */
export async function loadPolicies(path: string): Promise<Policy[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `CLEAR_TELEMETRY_POLICIES: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parsePolicies(text, path);
}

export function parsePolicies(text: string, path = 'the policy file'): Policy[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigError(
      `${path}: not YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
  }
  const file = FILE.safeParse(document);
  if (!file.success) throw new ConfigError(`${path}: policies: must be a list of policies under policies:`);
  const problems: string[] = [];
  const names = new Set<string>();
  const policies = file.data.policies.flatMap((entry, index) => {
    const name = (entry as { name?: unknown } | null)?.name;
    const label = typeof name === 'string' ? `policy '${name}'` : `policy ${index + 1}`;
    const found = checkPolicy(entry, names);
    problems.push(...found.problems.map((problem) => `${path}: ${label}: ${problem}`));
    return found.policy ? [found.policy] : [];
  });
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), { problems });
  return policies;
}

/** Every mistake in one policy (each field checked on its own), or the policy when there is none. */
function checkPolicy(entry: unknown, names: Set<string>): { policy: Policy | null; problems: string[] } {
  const problems: string[] = [];
  const say = (field: string, problem: string) => problems.push(`${field} ${problem}`);
  const parsed = POLICY.safeParse(entry);
  const wrong = new Set<string>();
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const field = String(issue.path[0] ?? 'policy');
    wrong.add(field);
    say(field, issue.message);
  }
  // The fields the schema took are checked further, so one run of --check lists every mistake.
  const raw = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const text = (field: string) => (!wrong.has(field) && typeof raw[field] === 'string' ? raw[field] : null);
  const name = text('name');
  if (name !== null) {
    if (names.has(name)) say('name', 'is used by another policy: names must be unique');
    names.add(name);
  }
  const schedule = text('schedule');
  const timezone = wrong.has('timezone') ? null : (text('timezone') ?? 'UTC');
  if (schedule !== null && timezone !== null) {
    const problem = scheduleProblem(schedule, timezone);
    if (problem) say(problem.includes('time zone') ? 'timezone' : 'schedule', `is wrong: ${problem}`);
  }
  if (raw.approval === 'auto' && raw.max_rows === undefined) {
    say('max_rows', 'is missing: approval auto needs the most rows the policy may approve itself');
  }
  if (raw.approval === 'required' && raw.max_rows !== undefined) say('max_rows', 'applies only to approval: auto');
  const flags = text('flags');
  const args = flags === null ? null : flagProblems(flags, (problem) => say('flags', problem));
  if (!parsed.success || !args || problems.length > 0) return { policy: null, problems };
  const policy = parsed.data;
  return {
    policy: {
      name: policy.name,
      schedule: policy.schedule,
      timezone: policy.timezone,
      flags: policy.flags,
      args,
      channel: policy.channel,
      approval: policy.approval,
      maxRows: policy.max_rows ?? null,
    },
    problems,
  };
}

/** The flags, parsed as a person's request is; null (and said) when a policy cannot take them. */
function flagProblems(flags: string, say: (problem: string) => void): PurgeArgs | null {
  let args: ClearArgs;
  try {
    args = parseClearArgs(splitCommandText(flags));
  } catch (error) {
    say(`are wrong: ${error instanceof UsageError ? error.message : String(error)}`);
    return null;
  }
  if (args.command !== 'purge') {
    say(`must ask for a purge, not ${args.command}`);
    return null;
  }
  if (args.status === null) {
    say('need --status: a policy names the rows it deletes');
    return null;
  }
  const stray = NOT_FOR_POLICIES.filter((name) => args[name] === true);
  if (stray.length > 0) {
    say(`cannot take ${stray.map(flagName).join(', ')}: the approval says how the purge is approved`);
    return null;
  }
  return { ...args, status: args.status };
}

function flagName(name: keyof ClearArgs): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}
