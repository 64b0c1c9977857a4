// Pure: what a `CommandInfo.URI` value points at, and the name its copy gets in the sandbox.
// Mesos rules (reference containerizers.md §4): no scheme or `file://` means a local absolute
// path; `http://` and `https://` are downloaded; the file is named after `output_file` or the
// last segment of the URI's path. One deliberate difference: the query string and fragment are
// not part of the name (Mesos keeps them, so `app.tgz?v=2` was never recognised as an archive).
import { posix } from 'node:path';

export type FetchSource = { kind: 'http'; url: URL } | { kind: 'file'; path: string };

/** A URI that cannot be fetched as written; the message is the cause, without the URI. */
export class UriError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UriError';
  }
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** Parses a URI value (leading whitespace ignored, as Mesos). Throws UriError. */
export function parseFetchSource(value: string): FetchSource {
  const text = value.trimStart();
  if (text === '') throw new UriError('the URI is empty');
  if (text.includes('\0')) throw new UriError('the URI contains a NUL character');
  const scheme = SCHEME_RE.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (!text.startsWith('/')) {
      throw new UriError('relative paths are not supported (Mesos resolves them against --frameworks_home, which Agora does not have); give an absolute path');
    }
    return { kind: 'file', path: posix.normalize(text) };
  }
  if (scheme === 'file') {
    const rest = text.slice('file://'.length);
    if (!rest.startsWith('/')) throw new UriError("a file:// URI needs an absolute path (file:///path)");
    let path: string;
    try {
      path = decodeURIComponent(rest);
    } catch {
      throw new UriError('the path has a malformed %-escape');
    }
    return { kind: 'file', path: posix.normalize(path) };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UriError('not a valid URL');
    }
    if (url.hostname === '') throw new UriError('the URL has no host');
    return { kind: 'http', url };
  }
  throw new UriError(`unsupported scheme '${scheme}' (supported: http, https, file and absolute paths)`);
}

/**
 * The sandbox-relative path the fetched file is written to: `output_file` (relative, may contain
 * directories, never leaving the sandbox) or the source's base name. Throws UriError.
 */
export function destinationName(source: FetchSource, outputFile: string | undefined): string {
  if (outputFile !== undefined) return checkedOutputFile(outputFile);
  let base: string;
  if (source.kind === 'file') {
    base = posix.basename(source.path);
  } else {
    const raw = source.url.pathname.slice(source.url.pathname.lastIndexOf('/') + 1);
    try {
      base = decodeURIComponent(raw);
    } catch {
      throw new UriError('the file name has a malformed %-escape; set output_file');
    }
  }
  if (base === '' || base === '.' || base === '..' || base.includes('/') || base.includes('\0')) {
    throw new UriError('cannot name the fetched file: the URI has no file name; set output_file');
  }
  return base;
}

function checkedOutputFile(outputFile: string): string {
  if (outputFile === '' || outputFile.includes('\0')) throw new UriError('output_file is empty or contains a NUL character');
  if (posix.isAbsolute(outputFile)) throw new UriError(`output_file '${outputFile}' is absolute; it must be relative to the sandbox`);
  const normal = posix.normalize(outputFile);
  if (normal === '.' || normal === '..' || normal.startsWith('../') || normal.endsWith('/')) {
    throw new UriError(`output_file '${outputFile}' does not name a file inside the sandbox`);
  }
  return normal;
}

/** The cache segregates by user, as Mesos: the same URI for two users is two entries. */
export function cacheKey(user: string | undefined, uri: string): string {
  return user === undefined ? uri : `${user}@${uri}`;
}
