import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now (the OS picks it). Another process may take it before it is used. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        address && typeof address === 'object' ? resolvePort(address.port) : reject(new Error('no free port')),
      );
    });
  });
}
