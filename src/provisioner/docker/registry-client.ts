// A Docker Registry HTTP API v2 client for pulls, over fetch(): manifest and blob GETs with the
// auth dance a 401 asks for (Bearer token from the challenge's realm/service/scope, or Basic),
// redirects followed by hand so the Authorization header never goes to another origin (blob
// storage behind pre-signed URLs rejects it), and errors that name the registry and the cause.
import { createHash } from 'node:crypto';
import { MANIFEST_ACCEPT } from './manifest.ts';
import { parseAuthChallenges, tokenUrl, type AuthChallenge } from './registry-challenge.ts';
import type { RegistryCredential } from './registry-credentials.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type RegistryClientOptions = {
  /** `scheme://host[:port]` (registryBaseUrl()). */
  baseUrl: string;
  /** `host[:port]`, used in messages and to look up credentials. */
  registry: string;
  credential?: RegistryCredential | undefined;
  fetch?: FetchLike;
  /** Per-request limit for headers to arrive (bodies are watched by the stall timeout). */
  requestTimeoutMs?: number;
  userAgent?: string;
};

/** A registry refused or failed; `status` is the HTTP status when there was one. */
export class RegistryError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegistryError';
    this.status = status;
  }
}

export type FetchedManifest = { body: string; contentType: string; digest: string };

const MAX_REDIRECTS = 5;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class RegistryClient {
  readonly registry: string;
  readonly #opts: RegistryClientOptions;
  readonly #fetch: FetchLike;
  /** Bearer tokens by scope (`repository:<repo>:pull`), with their expiry (ms epoch). */
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  /** Set once the registry answered a Basic challenge: send the credential up front from then on. */
  #basic = false;

  constructor(opts: RegistryClientOptions) {
    this.#opts = opts;
    this.registry = opts.registry;
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** GET a manifest by tag or digest. A digest reference is verified against the body. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const res = await this.#get(repository, `/v2/${repository}/manifests/${reference}`, { Accept: MANIFEST_ACCEPT });
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > MAX_MANIFEST_BYTES) throw new RegistryError(`registry '${this.registry}' sent a manifest larger than ${MAX_MANIFEST_BYTES} bytes`);
    const computed = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    const contentType = res.headers.get('content-type') ?? '';
    if (contentType.includes('manifest.v1')) {
      // Schema 1 digests are over the unsigned payload, so they cannot be checked on the bytes.
      const digest = reference.startsWith('sha256:') ? reference : (res.headers.get('docker-content-digest') ?? computed);
      return { body: buf.toString('utf8'), contentType, digest };
    }
    if (reference.startsWith('sha256:') && computed !== reference) {
      throw new RegistryError(`manifest digest mismatch: asked for '${reference}', got content with '${computed}'`);
    }
    return { body: buf.toString('utf8'), contentType, digest: computed };
  }

  /** GET a blob; the caller streams and verifies `response.body`. */
  async getBlob(repository: string, digest: string, signal?: AbortSignal): Promise<Response> {
    const res = await this.#get(repository, `/v2/${repository}/blobs/${digest}`, {}, signal);
    if (!res.body) throw new RegistryError(`registry '${this.registry}' sent no body for blob '${digest}'`);
    return res;
  }

  async #get(repository: string, path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const scope = `repository:${repository}:pull`;
    let res = await this.#send(`${this.#opts.baseUrl}${path}`, headers, this.#authorization(scope), signal);
    if (res.status === 401) {
      const challenges = parseAuthChallenges(res.headers.get('www-authenticate') ?? '');
      await res.body?.cancel();
      this.#tokens.delete(scope);
      const authorization = await this.#answer(challenges, repository, scope);
      res = await this.#send(`${this.#opts.baseUrl}${path}`, headers, authorization, signal);
      if (res.status === 401) {
        await res.body?.cancel();
        throw new RegistryError(
          `registry '${this.registry}' refused the credentials for '${repository}' (401 Unauthorized)`,
          401,
        );
      }
    }
    if (!res.ok) {
      const detail = await errorDetail(res);
      const what = res.status === 404 ? 'not found' : `HTTP ${res.status}`;
      throw new RegistryError(`registry '${this.registry}' answered ${what} for '${path}'${detail ? `: ${detail}` : ''}`, res.status);
    }
    return res;
  }

  #authorization(scope: string): string | undefined {
    const cached = this.#tokens.get(scope);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    if (this.#basic && this.#opts.credential) return basicHeader(this.#opts.credential);
    return undefined;
  }

  /** The Authorization header answering a 401's challenges. */
  async #answer(challenges: AuthChallenge[], repository: string, scope: string): Promise<string> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const credential = this.#opts.credential;
    if (bearer) {
      const url = tokenUrl(bearer, repository);
      const tokenHeaders: Record<string, string> = {};
      if (credential) tokenHeaders.Authorization = basicHeader(credential);
      const res = await this.#send(url, tokenHeaders, undefined);
      if (!res.ok) {
        const detail = await errorDetail(res);
        throw new RegistryError(
          `token service '${new URL(url).host}' of registry '${this.registry}' refused a token for '${repository}' (HTTP ${res.status}${credential ? '' : ', no credentials configured for this registry'})${detail ? `: ${detail}` : ''}`,
          res.status,
        );
      }
      let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        throw new RegistryError(`token service of registry '${this.registry}' sent a body that is not JSON`);
      }
      const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
      if (!token) throw new RegistryError(`token service of registry '${this.registry}' sent no token`);
      const ttlSeconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
      // Renew a little early so a long pull does not hit expiry between two blob requests.
      this.#tokens.set(scope, { token, expiresAt: Date.now() + Math.max(1, ttlSeconds - 10) * 1000 });
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!credential) {
        throw new RegistryError(`registry '${this.registry}' requires authentication (401 Unauthorized) and no credentials are configured for it`, 401);
      }
      this.#basic = true;
      return basicHeader(credential);
    }
    throw new RegistryError(`registry '${this.registry}' answered 401 Unauthorized without a usable authentication challenge`, 401);
  }

  /** One GET, following redirects by hand; Authorization only to the original origin. */
  async #send(url: string, headers: Record<string, string>, authorization: string | undefined, signal?: AbortSignal): Promise<Response> {
    const origin = new URL(url).origin;
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const h: Record<string, string> = { ...headers, 'User-Agent': this.#opts.userAgent ?? 'agora-provisioner' };
      if (authorization && new URL(current).origin === origin) h.Authorization = authorization;
      const timeout = AbortSignal.timeout(this.#opts.requestTimeoutMs ?? 60_000);
      let res: Response;
      try {
        res = await this.#fetch(current, { headers: h, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new RegistryError(`cannot reach registry '${this.registry}' at '${new URL(current).origin}': ${cause?.code ?? cause?.message ?? (err as Error).message}`, undefined, { cause: err });
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        current = new URL(location, current).toString();
        continue;
      }
      return res;
    }
    throw new RegistryError(`registry '${this.registry}' redirected more than ${MAX_REDIRECTS} times`);
  }
}

function basicHeader(c: RegistryCredential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** The registry's `{"errors":[{"code","message"}]}` body, shortened, or ''. */
async function errorDetail(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 2000);
    try {
      const json = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      if (Array.isArray(json.errors)) return json.errors.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ').slice(0, 300);
    } catch {
      // not JSON: fall through
    }
    return text.trim().slice(0, 200);
  } catch {
    return '';
  }
}
