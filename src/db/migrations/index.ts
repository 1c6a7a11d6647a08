import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128175052 } from './Migration20261128175052.js';

/** Every migration, in order. Listed in code so tsc, tsx and vitest all load the same set. */
export const MIGRATIONS: MigrationObject[] = [{ name: 'Migration20261128175052', class: Migration20261128175052 }];
