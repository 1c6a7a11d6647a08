/** The names Slack and this code share: the command, and the action_id of every button. */
export const COMMAND = '/clear-telemetry';

export const ACTION = {
  confirm: 'clear_telemetry_confirm',
  cancel: 'clear_telemetry_cancel',
  stop: 'clear_telemetry_stop',
  pause: 'clear_telemetry_pause',
  continue: 'clear_telemetry_continue',
  resume: 'clear_telemetry_resume',
  restore: 'clear_telemetry_restore',
} as const;

/** The ledger's ids are PostgreSQL `integer`s. */
const MAX_ID = 2_147_483_647;

/** Button values carry only the request id, digits only; everything else lives in the ledger. */
export function requestIdFrom(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9]\d{0,9}$/.test(value)) return null;
  const id = Number(value);
  return id <= MAX_ID ? id : null;
}

/** Any action_id of ours that this version does not handle (an old message's button, or a forged one). */
export const UNKNOWN_ACTION = new RegExp(`^(?!(${Object.values(ACTION).join('|')})$)`);
