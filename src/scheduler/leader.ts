// Where scheduler calls go. A non-leading Mesos master answers 307 with a protocol-relative
// `Location: //<leader-host>:<port><path+query>` (reference §2.2, item 8), which resolves against
// the URL we called (keeping its scheme). We remember the result as the leader's scheduler URL.

export const SCHEDULER_PATH = '/api/v1/scheduler';

/**
 * The scheduler endpoint of a master given as `host:port`, `http://host:port`, or a full URL
 * (a URL with a path other than `/` is used as is, e.g. `http://h:5050/master/api/v1/scheduler`).
 */
export function schedulerUrl(master: string | URL): URL {
  const text = String(master);
  const url = new URL(text.includes('://') ? text : `http://${text}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = SCHEDULER_PATH;
  return url;
}

/** The URL a 307 points to, or undefined if the master sent no usable Location. */
export function resolveRedirect(location: string | null, current: URL): URL | undefined {
  if (!location) return undefined;
  try {
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined;
    // A bare `//host:port` (as /master/redirect gives) means the same endpoint on that master.
    if (next.pathname === '/' || next.pathname === '') next.pathname = current.pathname;
    return next;
  } catch {
    return undefined;
  }
}
