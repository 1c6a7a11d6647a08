import { formatTimestamp } from '../domain/wording/format.js';
import type { Wording } from '../domain/wording/status-and-history.js';
import { PROGRAM } from './cli-io.js';

/** People by their ids (Slack ids, or terminal:user@host), UTC times, no links; how to act, as commands. */
export const TERMINAL_WORDING: Wording = {
  // A policy's requests read "scheduled by policy nightly-done"; people and terminal users as they are.
  who: (userId) => (userId.startsWith('policy:') ? `policy ${userId.slice('policy:'.length)}` : userId),
  link: () => '',
  date: formatTimestamp,
  resume: (id) => `${PROGRAM} resume --request ${id}`,
  // A reason is one printable line (clear-args refuses control characters): shown as typed.
  userText: (text) => text,
};
