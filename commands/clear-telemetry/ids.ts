/** The names Slack and this code share: the command, and the action_id of every button. */
export const COMMAND = '/clear-telemetry';

export const ACTION = {
  confirm: 'clear_telemetry_confirm',
  cancel: 'clear_telemetry_cancel',
  stop: 'clear_telemetry_stop',
  pause: 'clear_telemetry_pause',
  continue: 'clear_telemetry_continue',
  resume: 'clear_telemetry_resume',
} as const;

/** Button values carry only the request id; everything else lives in the ledger. */
export function requestIdFrom(value: string | undefined): number | null {
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
