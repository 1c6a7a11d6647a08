import type { GroupMembers } from '../ports.js';

/**
 * Who may do what: lists of Slack user IDs (U…, W…) and user group IDs (S…), or nobody/anyone when
 * the variable is unset. Group membership is looked up through a function the caller passes in.
 */
export type AccessList =
  { kind: 'anyone' } | { kind: 'nobody' } | { kind: 'list'; users: readonly string[]; groups: readonly string[] };

export const USER_ID = /^[UW][A-Z0-9]+$/;
export const GROUP_ID = /^S[A-Z0-9]+$/;

export function accessList(ids: readonly string[]): AccessList {
  return { kind: 'list', users: ids.filter((id) => USER_ID.test(id)), groups: ids.filter((id) => GROUP_ID.test(id)) };
}

export async function isAllowed(list: AccessList, userId: string, groupMembers: GroupMembers): Promise<boolean> {
  if (list.kind !== 'list') return list.kind === 'anyone';
  if (list.users.includes(userId)) return true;
  for (const group of list.groups) {
    if ((await groupMembers(group)).has(userId)) return true;
  }
  return false;
}
