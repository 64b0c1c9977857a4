// What can go wrong when talking to a master or an agent, as typed errors, decided once at the
// transport boundary (never by matching message text later):
//
//   could not connect / no answer in time  -> MasterUnreachableError / AgentUnreachableError
//   answered 4xx or 5xx                    -> ApiError (status + the server's own message)
//   answered 2xx with a body we cannot use  -> ProtocolError
//   followed more than MAX_REDIRECTS 307s   -> ProtocolError
//
// Callers (the CLI) turn these into exit codes with one function (src/cli/errors.ts).
import { AgoraError } from '../common/errors.ts';
import { describeNetworkError } from '../common/network-errors.ts';

/** Which kind of server a request went to; picks the unreachable error class. */
export type EndpointKind = 'master' | 'agent';

/**
 * The server could not be reached: connection refused or reset, DNS failure, or no answer within
 * the request timeout. `url` is what we tried; `cause` is the underlying error.
 */
export class UnreachableError extends AgoraError {
  readonly url: string;
  constructor(kind: EndpointKind, url: string, reason: string, cause: unknown) {
    super('UNREACHABLE', 503, `cannot reach the ${kind} at ${url}: ${reason}`, { url, kind }, { cause });
    this.url = url;
  }
}

/** The master could not be reached (see UnreachableError). */
export class MasterUnreachableError extends UnreachableError {
  constructor(url: string, reason: string, cause: unknown) {
    super('master', url, reason, cause);
  }
}

/** An agent could not be reached (see UnreachableError). */
export class AgentUnreachableError extends UnreachableError {
  constructor(url: string, reason: string, cause: unknown) {
    super('agent', url, reason, cause);
  }
}

/**
 * The server answered with an error status. `message` is the server's own text (Mesos answers
 * errors as plain text, Agora's JSON errors carry `{code, message}`); `status` the HTTP status.
 */
export class ApiError extends AgoraError {
  readonly url: string;
  constructor(status: number, message: string, url: string, code = `HTTP_${status}`) {
    super(code, status, message, { url });
    this.url = url;
  }
}

/** The server answered 2xx but with something this client cannot understand. */
export class ProtocolError extends AgoraError {
  readonly url: string;
  constructor(message: string, url: string) {
    super('PROTOCOL_ERROR', 502, message, { url });
    this.url = url;
  }
}

export { describeNetworkError };
