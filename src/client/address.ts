// Turning the addresses operators type and the addresses the cluster reports into base URLs.
import { InvalidArgumentError } from '../common/errors.ts';

/** Where the CLI looks for a master unless told otherwise (Mesos's default master port). */
export const DEFAULT_MASTER = '127.0.0.1:5050';

/**
 * A base URL (origin, no trailing slash) from what an operator typed for `--master`:
 * `host:port`, `host` (port 5050), `http://host:port` or `https://host:port`. ZooKeeper URLs
 * (`zk://`) are refused with a clear message: Agora's CLI talks to a master directly and
 * follows its redirect to the leader.
 */
export function parseMasterAddress(text: string): string {
  return parseAddress(text, 5050, 'master');
}

/** Same as parseMasterAddress for an agent (default port 5051). */
export function parseAgentAddress(text: string): string {
  return parseAddress(text, 5051, 'agent');
}

function parseAddress(text: string, defaultPort: number, what: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidArgumentError(`the ${what} address is empty`, { address: text });
  if (/^zk:\/\//i.test(trimmed)) {
    throw new InvalidArgumentError(
      `'${trimmed}' is a ZooKeeper URL; give any master as host:port, a non-leading master redirects to the leader`,
      { address: text },
    );
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(`'${text}' is not a valid ${what} address: expected host:port`, { address: text });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`'${text}' is not a valid ${what} address: only http and https are supported`, { address: text });
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new InvalidArgumentError(`'${text}' is not a valid ${what} address: expected host:port without a path`, { address: text });
  }
  if (url.port === '') url.port = String(defaultPort);
  return url.origin;
}

/**
 * The base URL of a libprocess pid such as `slave(1)@10.0.0.6:5051` or `master@10.0.0.5:5050`,
 * or undefined when the text is not a pid.
 */
export function pidToBaseUrl(pid: string): string | undefined {
  const m = /^[^@]+@([^:@]+|\[[^\]]+\]):(\d+)$/.exec(pid);
  if (!m) return undefined;
  return `http://${m[1]}:${m[2]}`;
}

/**
 * Resolves a redirect `Location` against the URL that answered it. Mesos masters send a
 * protocol-relative location (`//leader:5050/api/v1`), which keeps the scheme of the request.
 */
export function resolveLocation(location: string, requestUrl: string): URL {
  return new URL(location, requestUrl);
}
