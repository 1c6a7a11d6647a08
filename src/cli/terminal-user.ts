import { hostname, userInfo } from 'node:os';

/**
 * Who runs the terminal command, as the ledger records requesters: `terminal:ana@db-admin-1`. A
 * container's user may have no name (a uid with no passwd entry): then the uid stands for it.
 */
export function terminalUser(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  return `terminal:${name}@${hostname()}`;
}
