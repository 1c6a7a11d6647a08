import { describe, expect, it } from 'vitest';
import {
  closedMessage,
  nothingToDeleteMessage,
  previewMessage,
} from '../../commands/clear-telemetry/preview-blocks.js';
import {
  progressMessage,
  queuedMessage,
  resultMessage,
  unresponsiveMessage,
} from '../../commands/clear-telemetry/run-blocks.js';
import { threadReply } from '../../commands/clear-telemetry/thread-replies.js';
import { describeDecision } from '../../commands/clear-telemetry/sentences.js';
import type { PurgeProgress } from '../../src/domain/ports.js';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import { blockKitViolations } from '../helpers/block-kit-limits.js';
import { AT, sampleRequest, samplePlan, TARGET } from '../helpers/records.js';

const at = AT;
const plan = samplePlan;
const request = sampleRequest;
const target = TARGET;

const progress: PurgeProgress = {
  method: 'batch',
  deleted: 125_000,
  total: 400_000,
  percent: 31.25,
  batchesDone: 13,
  batchesTotal: 40,
  batchSize: 10_000,
  rowsPerSecond: 104_233,
  etaMs: 2_640,
  elapsedMs: 1_200,
  lastId: 725_000,
  lastBatchMs: 17,
};

/** A request that ran 4.2 s and ended in `state`. */
const ended = (state: PurgeRequestRecord['state'], overrides: Partial<PurgeRequestRecord> = {}): PurgeRequestRecord =>
  request({
    state,
    finishedAt: new Date(at.getTime() + 4_200),
    position: {
      deleted: state === 'succeeded' ? 400_000 : 120_000,
      batches: state === 'succeeded' ? 40 : 12,
      lastId: 720_000,
    },
    methodUsed: 'batch',
    ...overrides,
  });

const previewOptions = {
  requestId: 42,
  requesterId: 'U1',
  approvers: { kind: 'list' as const, users: ['U2'], groups: ['S1'] },
  breakGlass: { kind: 'list' as const, users: ['U9'], groups: [] },
  expiresAt: new Date(at.getTime() + 900_000),
  selfApproval: null,
  now: at,
  target,
};

describe('rendered messages', () => {
  it('says what the progress is', () => {
    const message = progressMessage(request(), progress, target);
    expect(message.text).toBe('Deleting: 125,000 of 400,000 webhooks with status PENDING.');
    expect(JSON.stringify(message.blocks)).toContain(
      `\`██████░░░░░░░░░░░░░░\` *31.3%*\\n*125,000* of *400,000* deleted · ids up to ${(progress.lastId ?? 0).toLocaleString('en-US')} of 1,000,000 covered · 104,233 rows/s · about 2.6 s left`,
    );
  });

  it('says what can be undone, in the preview, the confirmation and the result', () => {
    const archived = plan({ undo: { kind: 'archive', days: 7, bytes: 1_288_490_189 } });
    const preview = JSON.stringify(previewMessage(archived, previewOptions).blocks);
    expect(preview).toContain(
      '*Undo:* restorable for 7 days (about 1.2 GB of archive, estimated from the average row size)',
    );
    expect(preview).toContain('They are archived, restorable for 7 days.');
    expect(JSON.stringify(previewMessage(plan(), previewOptions).blocks)).toContain(
      '*Undo:* none; deleted rows cannot be restored (--archive keeps them, restorable)',
    );
    expect(
      JSON.stringify(previewMessage(plan({ undo: { kind: 'none', forbidden: true } }), previewOptions).blocks),
    ).toContain(
      '*Undo:* none; archiving is turned off here (CLEAR_TELEMETRY_ARCHIVE=never), so deleted rows cannot be restored',
    );
    expect(JSON.stringify(resultMessage(ended('succeeded', { plan: archived }), target).blocks)).toContain(
      ':package: *Archived:* the 400,000 deleted rows are restorable for 7 days: *Restore* (or `/clear-telemetry restore 42`) previews putting them back with their ids, for a second person to approve.',
    );
    expect(JSON.stringify(resultMessage(ended('succeeded', { plan: archived }), target).blocks)).toContain(
      '"action_id":"clear_telemetry_restore","value":"42"',
    );
    expect(JSON.stringify(resultMessage(ended('succeeded'), target).blocks)).not.toContain('Archived');
  });

  it('gives the result in one line: what, how long, how, who asked and who approved', () => {
    expect(resultMessage(ended('succeeded'), target).blocks[2]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'Deleted *400,000* webhooks with status *PENDING* in 4.2 s (batch, 40 batches) · requested by <@U1> · approved by <@U2>',
      },
    });
    expect(
      threadReply.finished(ended('succeeded', { position: { deleted: 399_990, batches: 40, lastId: 1_000_000 } })).text,
    ).toBe(
      ':white_check_mark: Deleted 399,990 webhooks with status PENDING in 4.2 s (batch, 40 batches) (10 previewed records were not deleted: changed or already gone since the preview) · requested by <@U1> · approved by <@U2>',
    );
    // Resumed after a crash: 4.2 s of deleting over 29 s.
    expect(
      resultMessage(ended('succeeded', { activeMs: 4_200, finishedAt: new Date(at.getTime() + 29_000) }), target).text,
    ).toBe('Deleted 400,000 webhooks with status PENDING in 4.2 s of deleting over 29.0 s (batch, 40 batches)');
    expect(threadReply.finished(ended('failed', { error: 'connection lost' })).text).toBe(
      ':x: Failed after deleting 120,000 of 400,000 webhooks with status PENDING in 4.2 s (batch, 12 batches): connection lost. Deleted rows stay deleted · requested by <@U1> · approved by <@U2>',
    );
    expect(threadReply.finished(ended('stopped', { stopRequestedBy: 'U3' })).text).toBe(
      ':octagonal_sign: Stopped by <@U3> after 120,000 of 400,000 webhooks with status PENDING in 4.2 s (batch, 12 batches). Resume deletes the remaining 280,000 previewed rows, within the same watermark · requested by <@U1> · approved by <@U2>',
    );
  });

  it('offers Stop and Pause while running, Continue while paused, Resume once interrupted or failed', () => {
    const actions = (message: { blocks: unknown[] }) =>
      (message.blocks as { type: string; elements?: { action_id: string }[] }[])
        .filter((b) => b.type === 'actions')
        .flatMap((b) => b.elements?.map((e) => e.action_id));
    expect(actions(progressMessage(request(), progress, target))).toEqual([
      'clear_telemetry_stop',
      'clear_telemetry_pause',
    ]);
    expect(actions(progressMessage(request(), progress, target, { kind: 'paused', by: 'U3', since: at }))).toEqual([
      'clear_telemetry_stop',
      'clear_telemetry_continue',
    ]);
    expect(
      actions(resultMessage(ended('interrupted', { error: 'the process running it was shut down' }), target)),
    ).toEqual(['clear_telemetry_resume']);
    expect(actions(resultMessage(ended('failed'), target))).toEqual(['clear_telemetry_resume']);
    expect(actions(resultMessage(ended('succeeded'), target))).toEqual([]);
    expect(actions(queuedMessage(request({ state: 'approved' }), request({ id: 41 }), target))).toEqual([
      'clear_telemetry_cancel',
    ]);
  });

  it('says when nobody can approve', () => {
    const message = previewMessage(plan(), { ...previewOptions, approvers: { kind: 'nobody' } });
    expect(JSON.stringify(message.blocks)).toContain(
      "*Nobody can approve yet:* the bot's approvers (CLEAR_TELEMETRY_APPROVERS) are not set.",
    );
  });
});

describe('what a person reads is true at that moment', () => {
  const text = (message: { blocks: unknown[] }) => JSON.stringify(message.blocks);

  it('says what the gates kept out when nothing is left to delete', () => {
    const young = plan({
      matching: 0,
      watermark: null,
      kept: 105_000,
      cutoff: { before: at, appliesTo: 'PENDING', ageMs: 600_000, source: 'pending-min-age' },
    });
    expect(nothingToDeleteMessage(young, 'U1', target).text).toBe(
      'Nothing to delete: all 105,000 PENDING rows are younger than 10 min (still being delivered); --older-than 0 includes them.',
    );
    const recent = plan({
      status: 'DONE',
      matching: 0,
      watermark: null,
      kept: 9_000,
      cutoff: { before: at, appliesTo: 'all', ageMs: 7 * 86_400_000, source: 'older-than' },
    });
    expect(text(nothingToDeleteMessage(recent, 'U1', target))).toContain(
      '<@U1> asked to delete webhooks with status *DONE*, but none can be: all 9,000 DONE rows were created in the last 7 d (--older-than 7d); a shorter --older-than includes the older of them.',
    );
    expect(nothingToDeleteMessage(plan({ status: 'ERROR', matching: 0, watermark: null }), 'U1', target).text).toBe(
      'Nothing to delete: there are no ERROR rows.',
    );
  });

  it('names in bold only the people who can approve it', () => {
    const options = { ...previewOptions, approvers: { kind: 'list' as const, users: ['U1', 'U2'], groups: [] } };
    expect(text(previewMessage(plan(), options))).toContain('*Needs approval from <@U2>* · expires');
    // Over the row cap, only break-glass users, whoever the approvers are.
    expect(text(previewMessage(plan({ overCap: 1_000 }), options))).toContain(
      '*Needs approval from <@U9>* (over the row cap of 1,000: break-glass users only)',
    );
    // A break-glass requester with --force is named as one who may approve it.
    expect(
      text(
        previewMessage(plan(), {
          ...options,
          breakGlass: { kind: 'list', users: ['U1'], groups: [] },
          selfApproval: 'break-glass',
        }),
      ),
    ).toContain('*Needs approval from <@U2>, or <@U1> (break-glass, --force)*');
    expect(text(previewMessage(plan({ overCap: 1_000 }), { ...options, breakGlass: { kind: 'nobody' } }))).toContain(
      '*Nobody can approve this yet:* it is over the row cap of 1,000, which only break-glass users may approve, and none are set up (CLEAR_TELEMETRY_BREAK_GLASS).',
    );
  });

  it('names the database and environment in every state of the message, the Approve dialog too', () => {
    const production = { ...target, environment: 'production' };
    const line = 'PRODUCTION* · database `django` on db:5432';
    const states = [
      previewMessage(plan(), { ...previewOptions, target: production }),
      progressMessage(request(), progress, production),
      progressMessage(request(), progress, production, { kind: 'paused', by: 'U3', since: at }),
      queuedMessage(request({ state: 'approved' }), null, production),
      resultMessage(ended('succeeded'), production),
      closedMessage(request({ state: 'expired' }), production),
      closedMessage(request({ state: 'cancelled', decidedBy: 'U3' }), production),
      unresponsiveMessage(request({ unresponsiveSince: at }), production),
    ];
    for (const message of states) expect(text(message)).toContain(line);
    expect(text(previewMessage(plan(), { ...previewOptions, target: production }))).toMatch(
      /"confirm":\{"title".*from \*PRODUCTION\* · database `django` on db:5432\./,
    );
  });

  it('shows a paused run with who paused it and since when, and no rate or time left', () => {
    const paused = text(progressMessage(request(), progress, target, { kind: 'paused', by: 'U3', since: at }));
    expect(paused).toContain('Paused: since <!date^');
    expect(paused).toContain('by <@U3>');
    expect(paused).not.toContain('rows/s');
    expect(paused).not.toContain('left');
    expect(text(progressMessage(request(), progress, target))).toContain('104,233 rows/s · about 2.6 s left');
  });

  it("shows a run whose process stopped with the ledger's count and no Stop or Pause", () => {
    const message = unresponsiveMessage(
      request({ unresponsiveSince: at, position: { deleted: 36_000, batches: 4, lastId: 700_000 } }),
      target,
    );
    expect(message.text).toMatch(
      /^Request #42 is not responding since .*: the process running it stopped after 36,000 of 400,000 rows \(as recorded\)/,
    );
    expect(text(message)).not.toContain('clear_telemetry_stop');
    expect(text(message)).not.toContain('clear_telemetry_pause');
  });
});

describe("Slack's Block Kit limits", () => {
  const huge = 'x'.repeat(10_000);
  const manyStatuses = {
    rows: Array.from({ length: 200 }, (_, i) => ({ status: `STATUS_${i}_${'y'.repeat(60)}`, count: 1_000_000 + i })),
    total: 200_000_000,
  };
  const extreme = plan({
    summary: manyStatuses,
    methodReason: huge,
    matching: 2_000_000_000,
    watermark: 2_147_483_647,
  });
  const extremeRequest = request({ plan: extreme, error: huge, requesterId: `U${'A'.repeat(300)}` });

  it.each([
    ['preview', previewMessage(plan(), previewOptions)],
    ['preview, extreme', previewMessage(extreme, { ...previewOptions, selfApproval: 'break-glass' })],
    ['dry run', previewMessage(extreme, { ...previewOptions, requestId: null })],
    [
      'nothing to delete',
      nothingToDeleteMessage(extreme, 'U1', {
        database: `db${huge}`,
        name: `db${huge}`,
        host: 'host',
        environment: 'x'.repeat(40),
      }),
    ],
    ['progress', progressMessage(extremeRequest, progress, target, { kind: 'held', text: huge, cause: 'vacuum' })],
    ['queued', queuedMessage(extremeRequest, extremeRequest, target)],
    ['result', resultMessage(ended('succeeded', { plan: extreme, fallbackReason: huge }), target)],
    ['failure', resultMessage(ended('failed', { plan: extreme, error: huge }), target)],
    ['interrupted', resultMessage(ended('interrupted', { plan: extreme, error: huge }), target)],
    ['stopped', resultMessage(ended('stopped', { stopRequestedBy: 'U3' }), target)],
    ['cancelled', closedMessage(request({ state: 'cancelled', decidedBy: 'U3', plan: extreme }), target)],
    ['expired', closedMessage(request({ state: 'expired', plan: extreme }), target)],
    ['approved reply', threadReply.approved(extremeRequest)],
    ['started reply', threadReply.started(extremeRequest)],
    ['note reply', threadReply.note({ kind: 'fallback', text: huge })],
    ['finished reply', threadReply.finished(ended('failed', { plan: extreme, error: huge }))],
  ])('%s', (_, message) => {
    expect(blockKitViolations(message)).toEqual([]);
  });
});

it('the limit check itself catches an oversized message', () => {
  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3_001) } },
    ...Array.from({ length: 50 }, () => ({ type: 'divider' })),
  ];
  expect(blockKitViolations({ text: 'x', blocks })).toEqual(['51 blocks', 'block 0: section text 3001']);
});

describe('describeDecision', () => {
  it('names who decided, as mentions', () => {
    expect(describeDecision(request({ state: 'running', approverId: 'UOK' }))).toBe(
      'this request was already approved by <@UOK> and is running',
    );
    expect(
      describeDecision(request({ state: 'cancelled', decidedBy: 'UASK', decidedAt: new Date('2026-11-28T03:00:00Z') })),
    ).toBe('this request was cancelled by <@UASK> at 2026-11-28 03:00:00 UTC');
  });
});
