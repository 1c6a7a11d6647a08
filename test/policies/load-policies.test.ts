import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { checkPolicyChannels, parsePolicies } from '../../src/policies/load-policies.js';
import { cronSchedule } from '../../src/policies/cron-schedule.js';
import { MISTAKEN_POLICY } from '../helpers/policy-files.js';

const problemsOf = (yaml: string): readonly string[] => {
  try {
    parsePolicies(yaml, 'p.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('the policy file', () => {
  it('reads the README example', () => {
    const [policy] = parsePolicies(`
policies:
  - name: nightly-done
    schedule: "0 3 * * *"
    timezone: Europe/Madrid
    flags: --status DONE --older-than 7d --archive
    channel: C0123ABCD
    approval: auto
    max_rows: 2000000
`);
    expect(policy).toMatchObject({
      name: 'nightly-done',
      timezone: 'Europe/Madrid',
      approval: 'auto',
      maxRows: 2_000_000,
      args: { command: 'purge', status: 'DONE', olderThanMs: 7 * 86_400_000, archive: true, force: false },
    });
  });

  it('names every mistake, one line each, with the policy and the field', () => {
    expect(
      problemsOf(`
policies:${MISTAKEN_POLICY.trimEnd()}
  - name: ok-one
    schedule: "0 3 * * *"
    timezone: Mars/Base
    flags: --status DONE --older-than 7x
    channel: C123
    approval: sometimes
  - name: ok-one
    schedule: "61 * * * *"
    flags: status
    channel: C123
    approval: required
    max_rows: 5
  - schedule: "0 3 * * *"
    flags: --dry-run --status ERROR
    channel: C123
    approval: auto
    max_rows: 0
`),
    ).toEqual([
      "p.yaml: policy 'Nightly Done': name must be a short name of lower-case letters, digits and hyphens, e.g. nightly-done",
      "p.yaml: policy 'Nightly Done': channel must be a channel ID (C…, G…), where the policy posts",
      "p.yaml: policy 'Nightly Done': schedule is wrong: '0 3 * *' is not a cron expression (invalid configuration format ('0 3 * *'), exactly five, six, or seven space separated parts are required.)",
      "p.yaml: policy 'Nightly Done': max_rows is missing: approval auto needs the most rows the policy may approve itself",
      "p.yaml: policy 'Nightly Done': flags cannot take --force: the approval says how the purge is approved",
      "p.yaml: policy 'ok-one': approval must be required or auto",
      "p.yaml: policy 'ok-one': timezone is wrong: 'Mars/Base' is not a time zone: use an IANA name such as Europe/Madrid or UTC",
      "p.yaml: policy 'ok-one': flags are wrong: --older-than needs an age such as 30m, 6h or 7d, or 0 for every row (got '7x').",
      "p.yaml: policy 'ok-one': name is used by another policy: names must be unique",
      "p.yaml: policy 'ok-one': schedule is wrong: '61 * * * *' is not a cron expression (Invalid value for minute: 61)",
      "p.yaml: policy 'ok-one': max_rows applies only to approval: auto",
      "p.yaml: policy 'ok-one': flags must ask for a purge, not status",
      'p.yaml: policy 4: name must be a short name of lower-case letters, digits and hyphens, e.g. nightly-done',
      'p.yaml: policy 4: max_rows must be a whole number of rows, at least 1',
      'p.yaml: policy 4: flags cannot take --dry-run: the approval says how the purge is approved',
    ]);
  });

  it('refuses a file that is not a list of policies', () => {
    expect(problemsOf('policies: [')).toEqual([expect.stringMatching(/^p\.yaml: not YAML \(/)]);
    expect(problemsOf('nightly: yes')).toEqual(['p.yaml: policies: must be a list of policies under policies:']);
  });
});

describe('a schedule', () => {
  const madrid = cronSchedule('0 3 * * *', 'Europe/Madrid');

  it('counts a slot at the very moment as due, in its time zone, across a daylight-saving change', () => {
    expect(madrid.latestSlot(new Date('2027-03-27T02:00:00Z'))?.toISOString()).toBe('2027-03-27T02:00:00.000Z');
    expect(madrid.latestSlot(new Date('2027-03-27T01:59:59Z'))?.toISOString()).toBe('2027-03-26T02:00:00.000Z');
    // Summer time from 28 March: 03:00 in Madrid is 01:00 UTC.
    expect(madrid.nextSlot(new Date('2027-03-27T02:00:00Z'))?.toISOString()).toBe('2027-03-28T01:00:00.000Z');
  });
});

describe('a policy and the channels the command is allowed in', () => {
  const [inside, outside] = parsePolicies(`
policies:
  - name: in-ops
    schedule: "0 3 * * *"
    flags: --status DONE
    channel: COPS
    approval: required
  - name: elsewhere
    schedule: "0 4 * * *"
    flags: --status ERROR
    channel: CELSEWHERE
    approval: required
`);

  it('refuses a policy whose channel the command is not allowed in, one line per policy', () => {
    const problems = (() => {
      try {
        checkPolicyChannels([inside!, outside!], ['COPS']);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    })();
    expect(problems).toEqual([
      "CLEAR_TELEMETRY_POLICIES: policy 'elsewhere': channel CELSEWHERE is not in CLEAR_TELEMETRY_CHANNELS, so nobody could approve its requests there",
    ]);
  });

  it('takes any channel when the command is allowed everywhere', () => {
    expect(() => checkPolicyChannels([inside!, outside!], null)).not.toThrow();
    expect(() => checkPolicyChannels([inside!], ['COPS'])).not.toThrow();
  });
});
