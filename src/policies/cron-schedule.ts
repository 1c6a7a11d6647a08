import { Cron } from 'croner';
import type { Policy, PolicySchedule } from '../domain/policy/policy.js';

/** A cron expression in a time zone, read by croner (its own parser, not ours). */
export function cronSchedule(expression: string, timezone: string): PolicySchedule {
  const cron = new Cron(expression, { timezone, paused: true });
  return {
    // croner's previous runs are strictly before the reference: a slot at `now` itself counts.
    latestSlot: (now) => cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? null,
    nextSlot: (after) => cron.nextRun(after),
  };
}

/** Why `expression` in `timezone` is not a schedule, or null when it is one. */
export function scheduleProblem(expression: string, timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return `'${timezone}' is not a time zone: use an IANA name such as Europe/Madrid or UTC`;
  }
  try {
    if (!cronSchedule(expression, timezone).nextSlot(new Date())) return `'${expression}' never runs`;
  } catch (error) {
    return `'${expression}' is not a cron expression (${error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error)})`;
  }
  return null;
}

/** Each policy's schedule, by name. */
export function policySchedules(policies: readonly Policy[]): Map<string, PolicySchedule> {
  return new Map(policies.map((policy) => [policy.name, cronSchedule(policy.schedule, policy.timezone)]));
}
