import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionProblem } from '../../errors.js';

/** Retries a ledger write through a dropped connection (a few times, with backoff). */
export async function retryTransient<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isConnectionProblem(error)) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}
