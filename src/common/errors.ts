// Error classes with a stable `code` and an HTTP `status`, so that the HTTP layer maps errors
// to responses by identity, never by matching message text, and clients can turn a `code` back
// into the same class. Messages are lowercase, without a trailing period, ids quoted with '...'.

/** Base class of every error Agora reports to a client. */
export class AgoraError extends Error {
  /** Stable machine-readable identifier, e.g. `INVALID_ARGUMENT`. Never reworded. */
  readonly code: string;
  /** HTTP status the API layer answers with. */
  readonly status: number;
  /** Structured details (field paths, ids) for logs and JSON error bodies. */
  readonly details: Record<string, unknown>;

  constructor(
    code: string,
    status: number,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toJSON(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** A request or input that is malformed or fails validation (HTTP 400). */
export class InvalidArgumentError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('INVALID_ARGUMENT', 400, message, details, options);
  }
}

/** A named object does not exist (HTTP 404). */
export class NotFoundError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NOT_FOUND', 404, message, details);
  }
}

/** The caller is known but not allowed to do this now (HTTP 403). */
export class ForbiddenError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('FORBIDDEN', 403, message, details);
  }
}

/** The request conflicts with current state (HTTP 409). */
export class ConflictError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', 409, message, details);
  }
}

/** The service cannot answer now: no leader, still recovering (HTTP 503). */
export class UnavailableError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('UNAVAILABLE', 503, message, details);
  }
}

/**
 * A broken invariant in decision code: a bug, never an expected outcome. Thrown through
 * `invariant()` and never caught locally (Mesos's CHECK).
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** Throws an InvariantError when `condition` is false. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

const CODE_TO_CLASS: Record<string, new (message: string, details?: Record<string, unknown>) => AgoraError> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  NOT_FOUND: NotFoundError,
  FORBIDDEN: ForbiddenError,
  CONFLICT: ConflictError,
  UNAVAILABLE: UnavailableError,
};

/** Turns a JSON error body `{code, message, details}` back into the matching class. */
export function errorFromJSON(body: { code?: unknown; message?: unknown; details?: unknown }, status: number): AgoraError {
  const message = typeof body.message === 'string' ? body.message : `request failed with status ${status}`;
  const details = body.details !== null && typeof body.details === 'object' ? (body.details as Record<string, unknown>) : {};
  const cls = typeof body.code === 'string' ? CODE_TO_CLASS[body.code] : undefined;
  if (cls) return new cls(message, details);
  return new AgoraError(typeof body.code === 'string' ? body.code : 'UNKNOWN', status, message, details);
}
