/**
 * Every failure a person can see has a code and a class, as bolt-js does in its own errors.ts.
 * Each surface (terminal exit codes, Slack ephemeral replies) maps them to words in one place.
 */
export enum ErrorCode {
  Usage = 'clear_telemetry_usage',
  Config = 'clear_telemetry_config',
  DatabaseUnavailable = 'clear_telemetry_database_unavailable',
  PermissionDenied = 'clear_telemetry_permission_denied',
  StatementTimeout = 'clear_telemetry_statement_timeout',
  LockTimeout = 'clear_telemetry_lock_timeout',
  ConnectionLost = 'clear_telemetry_connection_lost',
  NotAllowed = 'clear_telemetry_not_allowed',
  SelfApproval = 'clear_telemetry_self_approval',
  AlreadyDecided = 'clear_telemetry_already_decided',
  Expired = 'clear_telemetry_expired',
  LostOwnership = 'clear_telemetry_lost_ownership',
}

export interface CodedError extends Error {
  readonly code: ErrorCode;
}

abstract class Coded extends Error implements CodedError {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or values: nothing is touched, the usage is shown. */
export class UsageError extends Coded {
  readonly code = ErrorCode.Usage;
}

/** A missing or malformed environment variable, named in the message with its fix. */
export class ConfigError extends Coded {
  readonly code = ErrorCode.Config;
}

export class DatabaseUnavailableError extends Coded {
  readonly code = ErrorCode.DatabaseUnavailable;
}

/** A table a query needs does not exist (42P01): the wrong database, or migrations not applied. */
export class MissingTableError extends DatabaseUnavailableError {
  constructor(
    message: string,
    readonly table: string | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class PermissionDeniedError extends Coded {
  readonly code = ErrorCode.PermissionDenied;
}

/** `statement_timeout` cancelled the statement; its transaction rolled back. */
export class StatementTimeoutError extends Coded {
  readonly code = ErrorCode.StatementTimeout;
}

/** `lock_timeout` expired while waiting for a row lock; its transaction rolled back. */
export class LockTimeoutError extends Coded {
  readonly code = ErrorCode.LockTimeout;
}

/** The connection dropped mid-statement (server restart, `pg_terminate_backend`, network). */
export class ConnectionLostError extends Coded {
  readonly code = ErrorCode.ConnectionLost;
}

export class NotAllowedError extends Coded {
  readonly code = ErrorCode.NotAllowed;
}

export class SelfApprovalError extends Coded {
  readonly code = ErrorCode.SelfApproval;
}

export class AlreadyDecidedError extends Coded {
  readonly code = ErrorCode.AlreadyDecided;
}

export class ExpiredError extends Coded {
  readonly code = ErrorCode.Expired;
}

/** The ledger says another runner owns this request now (it was interrupted and resumed elsewhere). */
export class LostOwnershipError extends Coded {
  readonly code = ErrorCode.LostOwnership;
}

/** The connection dropped or the database cannot be reached: worth trying again after a wait. */
export function isConnectionProblem(error: unknown): boolean {
  return error instanceof ConnectionLostError || error instanceof DatabaseUnavailableError;
}

export function isCodedError(error: unknown): error is CodedError {
  return error instanceof Coded;
}
