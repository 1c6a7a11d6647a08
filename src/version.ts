import { readFileSync } from 'node:fs';

/** The package's version, for `--version` on the terminal and in Slack. */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
