import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** What names a process: its host and pid. In a container both can repeat (a pod restarted in place is PID 1 again). */
export interface IdentityInputs {
  hostname: string;
  pid: number;
}

/**
 * This process start's name in the ledger (`runner_id`): the host and pid, for a person to trace a
 * run to its replica, and a random part, so no two starts share a name. The ledger's ownership fence
 * compares these names: a new process with its dead predecessor's host and pid (a Kubernetes
 * container restarted in place after an OOM kill) must never pass for it.
 */
export function runnerIdentity(inputs: IdentityInputs = { hostname: hostname(), pid: process.pid }): string {
  return `${inputs.hostname}:${inputs.pid}:${randomBytes(4).toString('hex')}`;
}
