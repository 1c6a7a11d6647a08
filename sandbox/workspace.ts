/**
 * The sandbox's pretend Slack workspace: one channel and six people, each wired into the app's
 * access lists, so the app's own rules decide who may ask, approve and break the glass.
 */
export interface Person {
  id: string;
  name: string;
  role: string;
}

export const CHANNEL = { id: 'C0OPS', name: 'ops' } as const;
export const ONCALL_GROUP = { id: 'S0ONCALL', handle: 'oncall', members: ['UDAN'] } as const;
export const BOT = { id: 'U0BOT', botId: 'B0BOT', name: 'clear-telemetry' } as const;

export const PEOPLE: readonly Person[] = [
  { id: 'UALICE', name: 'alice', role: 'requester' },
  { id: 'UBOB', name: 'bob', role: 'approver' },
  { id: 'UCAROL', name: 'carol', role: 'approver' },
  { id: 'UDAN', name: 'dan', role: 'approver through @oncall' },
  { id: 'UEVE', name: 'eve', role: 'not allowed' },
  { id: 'UFRANK', name: 'frank', role: 'break-glass' },
];

/** The app's access lists for these people (the same variables a real install sets). */
export const ACCESS_ENV = {
  CLEAR_TELEMETRY_CHANNELS: CHANNEL.id,
  CLEAR_TELEMETRY_REQUESTERS: 'UALICE,UBOB,UCAROL,UDAN,UFRANK',
  CLEAR_TELEMETRY_APPROVERS: `UBOB,UCAROL,${ONCALL_GROUP.id}`,
  CLEAR_TELEMETRY_BREAK_GLASS: 'UFRANK',
} as const;

export function personById(id: string): Person | undefined {
  return PEOPLE.find((person) => person.id === id);
}
