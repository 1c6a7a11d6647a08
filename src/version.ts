import { readFileSync } from 'node:fs';
import { projectPath } from './project-root.js';

/** The package's version, for `--version` on the terminal and in Slack. */
export const VERSION = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
