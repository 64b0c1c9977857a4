// Typed failures of the scheduler SDK. Each maps one way a Mesos master can answer a call
// (reference §2.2) to a class, so frameworks branch on `instanceof` or `code`, never on text.
import { AgoraError } from '../common/errors.ts';
import { describeNetworkError } from '../common/network-errors.ts';

/** The master rejected a call as invalid (400): the message is the master's own text. */
export class SchedulerCallError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SCHEDULER_CALL_REJECTED', 400, message, details);
  }
}

/** The master knows the framework but it is not subscribed on this stream (403). */
export class SchedulerForbiddenError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SCHEDULER_FORBIDDEN', 403, message, details);
  }
}

/**
 * No master can be talked to right now: 503 "No leader elected" or still recovering. The
 * subclasses say why more precisely; `instanceof SchedulerUnavailableError` covers them all.
 */
export class SchedulerUnavailableError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('SCHEDULER_UNAVAILABLE', 503, message, details, options);
  }
}

/** The master could not be reached: connection refused or reset, DNS failure, no answer in time. */
export class SchedulerUnreachableError extends SchedulerUnavailableError {
  override readonly code: string = 'SCHEDULER_UNREACHABLE';
  /** The URL that was tried. */
  readonly url: string;
  constructor(url: string, reason: string, cause?: unknown, details: Record<string, unknown> = {}) {
    super(`cannot reach the master at ${url}: ${reason}`, { ...details, url }, { cause });
    this.url = url;
  }
}

/**
 * The subscription was lost (the event stream broke or went silent) and the client was told not
 * to reconnect (`reconnect: false`), so it stopped.
 */
export class SubscriptionLostError extends SchedulerUnavailableError {
  override readonly code: string = 'SUBSCRIPTION_LOST';
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`lost the subscription to the master at ${url}: ${reason}`, { url });
    this.url = url;
  }
}

/** Any other unexpected HTTP answer (401, 405, 406, 415, 501, 5xx...). */
export class SchedulerHttpError extends AgoraError {
  constructor(status: number, message: string, details: Record<string, unknown> = {}) {
    super('SCHEDULER_HTTP_ERROR', status, message, details);
  }
}

/** A call needs a subscription (framework id and stream id) that the client does not have. */
export class NotSubscribedError extends AgoraError {
  constructor(message = 'the framework is not subscribed') {
    super('NOT_SUBSCRIBED', 409, message);
  }
}

/**
 * The master ended the subscription for good: an ERROR event ("Framework failed over",
 * "Framework has been removed", a FrameworkInfo validation failure). Mesos expects the scheduler
 * to abort; the client stops and does not reconnect.
 */
export class SubscriptionError extends AgoraError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SUBSCRIPTION_ENDED', 410, message, details);
  }
}

/** The client was closed while the operation was pending. */
export class ClientClosedError extends AgoraError {
  constructor(message = 'the scheduler client is closed') {
    super('CLIENT_CLOSED', 499, message);
  }
}

/** The error class for a master's HTTP answer `status` with text body `body`. */
export function errorForResponse(status: number, body: string, details: Record<string, unknown> = {}): AgoraError {
  const message = body.trim() || `master answered ${status}`;
  const withStatus = { ...details, status };
  if (status === 400) return new SchedulerCallError(message, withStatus);
  if (status === 403) return new SchedulerForbiddenError(message, withStatus);
  if (status === 503) return new SchedulerUnavailableError(message, withStatus);
  return new SchedulerHttpError(status, message, withStatus);
}

/** Kept in the SDK's public API; the one implementation is in src/common/network-errors.ts. */
export const describeNetworkFailure = describeNetworkError;
