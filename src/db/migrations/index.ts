import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128175052 } from './Migration20261128175052.js';
import { Migration20261128182302 } from './Migration20261128182302.js';
import { Migration20261128195611 } from './Migration20261128195611.js';
import { Migration20261129010000 } from './Migration20261129010000.js';
import { Migration20261129060000 } from './Migration20261129060000.js';
import { Migration20261129070000 } from './Migration20261129070000.js';
import { Migration20261129080000 } from './Migration20261129080000.js';
import { Migration20261129120000 } from './Migration20261129120000.js';
import { Migration20261203090000 } from './Migration20261203090000.js';
import { Migration20261203120000 } from './Migration20261203120000.js';

/** Every migration, in order. Listed in code so tsc, tsx and vitest all load the same set. */
export const MIGRATIONS: MigrationObject[] = [
  // The request ledger.
  { name: 'Migration20261128175052', class: Migration20261128175052 },
  // The plan's first id and estimate, so a run can be rebuilt from the ledger alone.
  { name: 'Migration20261128182302', class: Migration20261128182302 },
  // One running request per table (partial unique index), stop and pause flags, the Slack outbox.
  { name: 'Migration20261128195611', class: Migration20261128195611 },
  // The plan's database snapshot: a run keeps every row the preview did not see.
  { name: 'Migration20261129010000', class: Migration20261129010000 },
  // Which request a queued one was last said to wait behind, so "queued" is said once.
  { name: 'Migration20261129060000', class: Migration20261129060000 },
  // Time spent deleting, summed over resumes, so a result tells it apart from the downtime.
  { name: 'Migration20261129070000', class: Migration20261129070000 },
  // The plan's age cut-off (--older-than, PENDING's minimum age), the rows it keeps, --limit and the row cap.
  { name: 'Migration20261129080000', class: Migration20261129080000 },
  // Undo: whether a purge archives what it deletes, and the archive itself.
  { name: 'Migration20261129120000', class: Migration20261129120000 },
  // A message posted again (its original could not be edited), and a run whose process stopped answering.
  { name: 'Migration20261203090000', class: Migration20261203090000 },
  // Retention policies: the policy and slot a request comes from, and each policy's slots, once each.
  { name: 'Migration20261203120000', class: Migration20261203120000 },
];
