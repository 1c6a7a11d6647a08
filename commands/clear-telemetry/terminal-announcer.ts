import type { WebClient } from '@slack/web-api';
import type { PurgeRequestRecord } from '../../src/domain/request/request.js';
import { progressAt } from '../../src/domain/run/progress.js';
import type { Target } from '../../src/domain/wording/sentences.js';
import { progressMessage, resultMessage } from './run-blocks.js';
import { threadReply } from './thread-replies.js';
import type { RequestLedger } from '../../src/domain/run-ports.js';

/** How a terminal run shows in the audit channel: when it starts, and how it ended. */
export interface TerminalAnnouncer {
  started(request: PurgeRequestRecord): void;
  finished(request: PurgeRequestRecord): void;
  /** Resolves once every announcement was made or given up. */
  settle(): Promise<void>;
}

/**
 * Terminal runs in the audit channel (CLEAR_TELEMETRY_AUDIT_CHANNEL): the terminal is break-glass,
 * and its runs must not happen out of the channel's sight. When a run starts, one message, which
 * becomes the request's message (so its Stop, and later its Resume or Restore, work from Slack, and
 * the bot's janitor reports it there if the terminal dies); when it ends, its result and a thread
 * reply. Slack being unreachable never holds a run up: it is said once, on the terminal.
 */
export function terminalAnnouncer(
  client: WebClient,
  channel: string,
  ledger: Pick<RequestLedger, 'attachMessage'>,
  target: Target,
  warn: (line: string) => void,
): TerminalAnnouncer {
  const pending = new Set<Promise<unknown>>();
  const posted = new Map<number, Promise<string | null>>();
  let warned = false;
  const failed = (error: unknown) => {
    if (!warned) warn(`Warning: could not announce this run in the audit channel ${channel}: ${describe(error)}`);
    warned = true;
    return null;
  };
  const track = <T>(work: Promise<T>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  };
  return {
    started(request) {
      const message = progressMessage(request, progressAt(request.plan, request.position), target);
      const ts = client.chat
        .postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false })
        .then(async (result) => {
          if (!result.ts) return null;
          await ledger.attachMessage(request.id, channel, result.ts);
          return result.ts;
        })
        .catch(failed);
      posted.set(request.id, track(ts));
    },
    finished(request) {
      const ts = posted.get(request.id);
      if (!ts) return;
      const result = resultMessage(request, target);
      const reply = threadReply.finished(request);
      void track(
        ts
          .then(async (messageTs) => {
            if (!messageTs) return;
            await client.chat.update({ channel, ts: messageTs, text: result.text, blocks: result.blocks });
            await client.chat.postMessage({ channel, thread_ts: messageTs, text: reply.text, blocks: reply.blocks });
          })
          .catch(failed),
      );
    },
    async settle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

function describe(error: unknown): string {
  const code = (error as { data?: { error?: string } }).data?.error;
  return code ?? (error instanceof Error ? error.message : String(error));
}
