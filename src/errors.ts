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
  Database = 'clear_telemetry_database',
  Busy = 'clear_telemetry_busy',
}

export interface CodedError extends Error {
  readonly code: ErrorCode;
}

/** The base of every coded error, here and where a room of the domain defines its own. */
export abstract class Coded extends Error implements CodedError {
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
  readonly #problems: readonly string[];
  constructor(message: string, options?: ErrorOptions & { problems?: readonly string[] }) {
    super(message, options);
    this.#problems = options?.problems ?? [message];
  }

  /** One line per problem, so several loaders' problems can be reported together. */
  get problems(): readonly string[] {
    return this.#problems;
  }
}

/** The server is a PostgreSQL major this code does not support (older than 13). */
export class UnsupportedServerError extends ConfigError {}

/**
 * The database cannot be used. `transient` when it may answer after a wait (unreachable, silent);
 * a refused login or a missing database will not mend itself, so it is never retried.
 */
export class DatabaseUnavailableError extends Coded {
  readonly code = ErrorCode.DatabaseUnavailable;
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A table a query needs does not exist (42P01): the wrong database, or migrations not applied. Never retried. */
export class MissingTableError extends Coded {
  readonly code = ErrorCode.DatabaseUnavailable;
  constructor(
    message: string,
    readonly table: string | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A database error this code has no words of its own for (a constraint, a trigger, a deadlock, a
 * full disk). Its message is a short category with the SQLSTATE, safe to show in a channel; the
 * driver's text, which may quote SQL, stays in `cause` for the logs.
 */
export class DatabaseError extends Coded {
  readonly code = ErrorCode.Database;
  /** `category`: a few words for the SQLSTATE's kind (src/db/db-errors.ts knows PostgreSQL's codes). */
  constructor(
    readonly sqlState: string,
    category: string,
    options?: ErrorOptions,
  ) {
    super(`a database error (SQLSTATE ${sqlState}, ${category})`, options);
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

/** Too much asked at once (previews); nothing was done, and trying again later works. */
export class BusyError extends Coded {
  readonly code = ErrorCode.Busy;
}

/** Who a refusal says may act instead: each surface names the people (Slack mentions), not the variable. */
export interface OnlyWho {
  who: 'approvers' | 'breakGlass';
  to: 'approve' | 'resume';
  /** Left out of the names: the requester, who may not approve their own request. */
  except?: string;
}

/** `only`: the refusal is an access rule, which each surface words with the people it names. */
export class NotAllowedError extends Coded {
  readonly code = ErrorCode.NotAllowed;
  constructor(message: string, options?: ErrorOptions & { only?: OnlyWho }) {
    super(message, options);
    this.only = options?.only ?? null;
  }
  readonly only: OnlyWho | null;
}

/** The requester clicked Approve on their own request; `only` says who may approve instead. */
export class SelfApprovalError extends Coded {
  readonly code = ErrorCode.SelfApproval;
  constructor(message: string, options?: ErrorOptions & { only?: OnlyWho }) {
    super(message, options);
    this.only = options?.only ?? null;
  }
  readonly only: OnlyWho | null;
}

/** Too late to approve. `again`: the flags that ask for the same rows afresh (`--status DONE --limit 500`). */
export class ExpiredError extends Coded {
  readonly code = ErrorCode.Expired;
  constructor(
    message: string,
    readonly again: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The ledger says another runner owns this request now (it was interrupted and resumed elsewhere). */
export class LostOwnershipError extends Coded {
  readonly code = ErrorCode.LostOwnership;
}

/** The connection dropped or the database cannot be reached right now: worth trying again after a wait. */
export function isConnectionProblem(error: unknown): boolean {
  return error instanceof ConnectionLostError || (error instanceof DatabaseUnavailableError && error.transient);
}

export function isCodedError(error: unknown): error is CodedError {
  return error instanceof Coded;
}

/**
 * What may be said about an error where others read it (a channel, the ledger): our own coded
 * errors are written for people; anything else may quote SQL or internals, so it is only named,
 * and its text goes to the logs.
 */
export function publicMessage(error: Error): string {
  return isCodedError(error) ? error.message : "an unexpected error (the details are in the bot's log)";
}
