import nock from 'nock';
import { afterEach } from 'vitest';

// Slack is only ever reached through nock. Local sockets (PostgreSQL, our own HTTP receiver) stay open.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

afterEach(() => {
  nock.cleanAll();
});
