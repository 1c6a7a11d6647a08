import { describe, expect, it } from 'vitest';
import {
  AlreadyDecidedError,
  checkApproval,
  checkCancel,
  checkRequesterOrApprover,
  checkResume,
  isExpired,
} from '../../../src/domain/request/approval.js';
import { accessList, isAllowed } from '../../../src/domain/request/access.js';
import type { PurgeRequestRecord } from '../../../src/domain/request/request.js';
import { sampleRequest } from '../../helpers/records.js';
import { ExpiredError, NotAllowedError, SelfApprovalError } from '../../../src/errors.js';

const now = new Date('2026-11-28T03:00:00Z');
const awaiting = sampleRequest({
  id: 7,
  state: 'awaiting_approval',
  requesterId: 'UASK',
  expiresAt: new Date('2026-11-28T03:15:00Z'),
  approverId: null,
  approvedAt: null,
  startedAt: null,
  runnerId: null,
});
const approver = { userId: 'UOK', isApprover: true, isBreakGlass: false };

describe('checkApproval', () => {
  it('lets another approver confirm', () => {
    expect(checkApproval(awaiting, approver, now)).toEqual({ selfApproved: false });
  });

  it.each([
    [
      'the requester, even an approver',
      awaiting,
      { userId: 'UASK', isApprover: true, isBreakGlass: false },
      SelfApprovalError,
    ],
    [
      'the requester with --force who is not break-glass',
      { ...awaiting, force: true },
      { userId: 'UASK', isApprover: true, isBreakGlass: false },
      SelfApprovalError,
    ],
    [
      'a break-glass requester without --force',
      awaiting,
      { userId: 'UASK', isApprover: false, isBreakGlass: true },
      SelfApprovalError,
    ],
    [
      'someone who is not an approver',
      awaiting,
      { userId: 'UX', isApprover: false, isBreakGlass: true },
      NotAllowedError,
    ],
    ['anyone after expiry', { ...awaiting, expiresAt: now }, approver, ExpiredError],
    [
      'anyone once decided',
      { ...awaiting, state: 'cancelled', decidedBy: 'UASK', decidedAt: now },
      approver,
      AlreadyDecidedError,
    ],
  ] as const)('refuses %s', (_, request, clicker, error) => {
    expect(() => checkApproval(request as PurgeRequestRecord, clicker, now)).toThrow(error);
  });

  it('needs a break-glass user over the row cap, approver or not', () => {
    const overCap = { ...awaiting, plan: { ...awaiting.plan, overCap: 5 } };
    expect(() => checkApproval(overCap, approver, now)).toThrow(/over the cap of 5 rows/);
    expect(checkApproval(overCap, { userId: 'UGLASS', isApprover: false, isBreakGlass: true }, now)).toEqual({
      selfApproved: false,
    });
    expect(() => checkApproval(overCap, { userId: 'UASK', isApprover: true, isBreakGlass: true }, now)).toThrow(
      SelfApprovalError,
    );
  });

  it('lets a break-glass requester self-approve a --force request', () => {
    expect(
      checkApproval({ ...awaiting, force: true }, { userId: 'UASK', isApprover: false, isBreakGlass: true }, now),
    ).toEqual({ selfApproved: true });
  });
});

describe('checkCancel', () => {
  it('allows the requester and approvers, nobody else', () => {
    expect(() => checkCancel(awaiting, { userId: 'UASK', isApprover: false, isBreakGlass: false }, now)).not.toThrow();
    expect(() => checkCancel(awaiting, approver, now)).not.toThrow();
    expect(() => checkCancel(awaiting, { userId: 'UX', isApprover: false, isBreakGlass: false }, now)).toThrow(
      NotAllowedError,
    );
  });
});

describe('isAllowed', () => {
  const members = (group: string) => Promise.resolve(new Set(group === 'SONCALL' ? ['UGROUP'] : []));
  it.each([
    [{ kind: 'anyone' } as const, 'UANY', true],
    [{ kind: 'nobody' } as const, 'UANY', false],
    [accessList(['UONE', 'SONCALL']), 'UONE', true],
    [accessList(['UONE', 'SONCALL']), 'UGROUP', true],
    [accessList(['UONE', 'SONCALL']), 'UOTHER', false],
  ])('%j allows %s: %s', async (list, user, expected) => {
    expect(await isAllowed(list, user, members)).toBe(expected);
  });
});

describe('the other rules', () => {
  const bystander = { userId: 'UX', isApprover: false, isBreakGlass: false };
  const requester = { userId: 'UASK', isApprover: false, isBreakGlass: false };

  it('lets only approvers resume, whoever asked; over the row cap, only break-glass users', () => {
    expect(() => checkResume(awaiting, approver)).not.toThrow();
    expect(() => checkResume(awaiting, requester)).toThrow(NotAllowedError);
    expect(() => checkResume(awaiting, bystander)).toThrow(
      expect.objectContaining({ only: { who: 'approvers', to: 'resume' } }),
    );
    const overCap = { ...awaiting, plan: { ...awaiting.plan, overCap: 100 } };
    expect(() => checkResume(overCap, approver)).toThrow(
      expect.objectContaining({ only: { who: 'breakGlass', to: 'resume' } }),
    );
    expect(() => checkResume(overCap, { ...bystander, isBreakGlass: true })).not.toThrow();
  });

  it('lets the requester or an approver stop, pause or continue, nobody else', () => {
    expect(() => checkRequesterOrApprover(awaiting, requester, 'stop it')).not.toThrow();
    expect(() => checkRequesterOrApprover(awaiting, approver, 'stop it')).not.toThrow();
    expect(() => checkRequesterOrApprover(awaiting, bystander, 'stop it')).toThrow(
      'Only the requester or an approver can stop it.',
    );
  });

  it('cancels a queued request even past its approval expiry, and nothing decided', () => {
    const queued = { ...awaiting, state: 'approved', expiresAt: now } as PurgeRequestRecord;
    expect(() => checkCancel(queued, requester, now)).not.toThrow();
    expect(() => checkCancel({ ...awaiting, expiresAt: now }, requester, now)).toThrow(ExpiredError);
    expect(() => checkCancel({ ...awaiting, state: 'running' }, requester, now)).toThrow(AlreadyDecidedError);
  });

  it('never expires a request without an expiry, and expires one exactly at it', () => {
    expect(isExpired({ ...awaiting, expiresAt: null }, now)).toBe(false);
    expect(isExpired({ ...awaiting, expiresAt: now }, now)).toBe(true);
    expect(isExpired({ ...awaiting, expiresAt: new Date(now.getTime() + 1) }, now)).toBe(false);
  });

  it('names the rule and the expiry in its refusals', () => {
    expect(() => checkApproval(awaiting, bystander, now)).toThrow(
      expect.objectContaining({ only: { who: 'approvers', to: 'approve' } }),
    );
    expect(() => checkApproval(awaiting, approver, new Date('2026-11-28T04:00:00Z'))).toThrow(
      'This request expired at 2026-11-28 03:15:00 UTC.',
    );
    // With the flags that ask for the same rows afresh: never a bare command, which means other rows.
    expect(() =>
      checkApproval(
        { ...awaiting, plan: { ...awaiting.plan, status: 'DONE', limit: 500 } },
        approver,
        new Date('2026-11-28T04:00:00Z'),
      ),
    ).toThrow(expect.objectContaining({ again: '--status DONE --limit 500' }));
  });

  it('says what became of a decided request, for the reader to word', () => {
    const decided = { ...awaiting, state: 'cancelled' } as PurgeRequestRecord;
    expect(() => checkApproval(decided, approver, now)).toThrow(
      expect.objectContaining({ decided: { lead: 'Nothing to do', request: decided } }),
    );
  });
});
