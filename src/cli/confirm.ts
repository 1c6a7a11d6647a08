import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';

export type Answer = 'yes' | 'no' | 'interrupted';

/** Asks a yes/no question on the terminal. Only "yes" or "y" (any case) means yes. */
export async function confirm(
  question: string,
  input: Readable,
  output: NodeJS.WritableStream,
  signal?: AbortSignal,
): Promise<Answer> {
  const prompt = createInterface({ input, output, terminal: true });
  const interrupted = new AbortController();
  // On a raw-mode terminal Ctrl-C reaches readline, not the process.
  prompt.on('SIGINT', () => interrupted.abort());
  const abort = signal ? AbortSignal.any([signal, interrupted.signal]) : interrupted.signal;
  try {
    const answer = await prompt.question(question, { signal: abort });
    return ['yes', 'y'].includes(answer.trim().toLowerCase()) ? 'yes' : 'no';
  } catch (error) {
    if (abort.aborted) {
      output.write('\n');
      return 'interrupted';
    }
    throw error;
  } finally {
    prompt.close();
  }
}
