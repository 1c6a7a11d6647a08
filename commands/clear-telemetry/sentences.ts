import { howItRan, shortfall } from '../../src/domain/describe.js';
import { formatCount, formatTimestamp } from '../../src/domain/format.js';
import type { RunNote } from '../../src/domain/ports.js';
import type { PurgeRequestRecord } from '../../src/domain/request.js';
import { clip } from './block-kit.js';

/** The sentences a message and its thread reply share, so both say the same thing. */

export const mention = (userId: string) => `<@${userId}>`;

export const NOTE_LABEL: Record<RunNote['kind'], string> = {
  fallback: 'Fell back to batches',
  retry: 'Adjusting',
  held: 'Holding',
  paused: 'Paused',
};

type EndState = 'succeeded' | 'stopped' | 'failed' | 'interrupted';

export function endState(request: PurgeRequestRecord): EndState {
  return (['succeeded', 'stopped', 'failed', 'interrupted'] as const).find((state) => state === request.state) ?? 'failed';
}

export function resultSentence(request: PurgeRequestRecord, bold = false): string {
  const b = (text: string) => (bold ? `*${text}*` : text);
  const { plan, position } = request;
  const what = `records with status ${b(plan.status)}`;
  const sofar = `${b(formatCount(position.deleted))} of ${b(formatCount(plan.matching))} ${what}`;
  const how = howItRan({
    durationMs: (request.finishedAt ?? request.heartbeatAt ?? request.startedAt ?? request.createdAt).getTime() - (request.startedAt ?? request.createdAt).getTime(),
    method: request.methodUsed === 'native' ? 'native' : request.methodUsed === 'batch' ? 'batch' : plan.method,
    batches: position.batches,
  });
  const error = clip(request.error ?? 'unknown error', 500);
  switch (endState(request)) {
    case 'succeeded': {
      const kept = shortfall(plan.matching, position.deleted);
      return `Deleted ${b(formatCount(position.deleted))} ${what} ${how}${kept ? ` (${kept})` : ''}`;
    }
    case 'stopped':
      return `Stopped${request.stopRequestedBy ? ` by ${mention(request.stopRequestedBy)}` : ''} after ${sofar} ${how}`;
    case 'failed':
      return `Failed after deleting ${sofar} ${how}: ${error}. Deleted rows stay deleted`;
    case 'interrupted':
      return `Interrupted after deleting ${sofar}: ${error}`;
  }
}

export function closedSentence(request: PurgeRequestRecord): string {
  if (request.state === 'expired') {
    return `Expired at ${formatTimestamp(request.expiresAt ?? request.decidedAt ?? new Date())} without approval. Nothing was deleted.`;
  }
  return `Cancelled by ${mention(request.decidedBy ?? '')}. Nothing was deleted.`;
}

export function people(request: PurgeRequestRecord): string {
  const asked = `requested by ${mention(request.requesterId)}`;
  if (!request.approverId) return asked;
  return request.selfApproved ? `${asked} · self-approved (break-glass)` : `${asked} · approved by ${mention(request.approverId)}`;
}
