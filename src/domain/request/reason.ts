import { UsageError } from '../../errors.js';

/**
 * Under CLEAR_TELEMETRY_REQUIRE_REASON, a request that deletes or restores must say why: refused
 * before anything is counted, with how to add one.
 */
export function checkReason(reason: string | null, required: boolean): void {
  if (required && !reason) {
    throw new UsageError(
      'A reason is required here (CLEAR_TELEMETRY_REQUIRE_REASON): add --reason with an incident, a ticket or one sentence, for example --reason "INC-1234 queue full".',
    );
  }
}
