import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';

export type Answer = 'yes' | 'no' | 'interrupted';

/**
 * Asks a yes/no question on the terminal. Only "yes" or "y" (any case) means yes; the end of input
 * (Ctrl-D) is a no, as any other answer is.
 */
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
  const ended = new Promise<'no'>((resolve) => prompt.once('close', () => resolve('no')));
  try {
    const answer = await Promise.race([prompt.question(question, { signal: abort }), ended]);
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
