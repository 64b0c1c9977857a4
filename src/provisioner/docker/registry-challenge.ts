// `WWW-Authenticate` challenges from a registry's 401 (RFC 7235): `Bearer realm="…",service="…",
// scope="…"` starts the token flow, `Basic realm="…"` asks for a user and password. Pure.

export type AuthChallenge = { scheme: string; params: Record<string, string> };

/**
 * Parses every challenge in a header value. Scheme names are lowercased, parameter names too;
 * values may be tokens or quoted strings with `\` escapes. Garbage yields what could be read.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const word = token();
    if (word === '') {
      i++; // an unexpected character: skip it rather than loop forever
      continue;
    }
    skipSpace();
    if (header[i] === '=' && current) {
      i++;
      skipSpace();
      let value: string;
      if (header[i] === '"') {
        i++;
        value = '';
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const vs = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
        value = header.slice(vs, i);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      // A new challenge: `Scheme` followed by params (or nothing).
      current = { scheme: header.slice(start, start + word.length).toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/**
 * The token endpoint URL for a Bearer challenge: `realm?service=…&scope=…`. When the registry
 * leaves out `scope` (MESOS-10092: some registries do), asks for `repository:<repo>:pull`.
 */
export function tokenUrl(challenge: AuthChallenge, repository: string): string {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('bearer challenge has no realm');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? `repository:${repository}:pull`);
  return url.toString();
}
