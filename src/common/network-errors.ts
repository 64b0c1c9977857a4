// Turning the socket errors behind fetch() and node:http into words an operator can act on.

/**
 * A short description of why a request could not be sent (`ECONNREFUSED` -> "connection
 * refused"). fetch() hides the socket error in `cause` behind a bare "fetch failed".
 */
export function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause ?? err;
  switch ((cause as { code?: unknown } | undefined)?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'UND_ERR_SOCKET':
      return 'connection closed';
    default:
      return cause instanceof Error && cause.message ? cause.message : String(cause);
  }
}
