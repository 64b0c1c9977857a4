// Streams a blob (a registry response body or a local file) to a file while hashing it, and
// refuses it unless the content matches its digest. Nothing is trusted before it is verified:
// the caller extracts only a verified file.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** `sha256:<hex>` / `sha512:<hex>` → node's hash name; undefined for anything else. */
export function digestAlgorithm(digest: string): 'sha256' | 'sha512' | undefined {
  if (/^sha256:[a-f0-9]{64}$/.test(digest)) return 'sha256';
  if (/^sha512:[a-f0-9]{128}$/.test(digest)) return 'sha512';
  return undefined;
}

/** The content did not match its digest; the message says "digest mismatch". */
export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`digest mismatch: expected '${expected}', got '${actual}'`);
    this.name = 'DigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** No bytes arrived for too long (`--fetcher_stall_timeout`). */
export class StallError extends Error {
  constructor(ms: number) {
    super(`download stalled: no data for ${ms} ms`);
    this.name = 'StallError';
  }
}

export type WriteVerifiedOptions = {
  /** `sha256:<hex>` (or sha512); when undefined the digest is computed and returned, not checked. */
  expectedDigest?: string | undefined;
  /** Hash to compute when no digest is expected. */
  algorithm?: 'sha256' | 'sha512';
  onBytes?: (bytesSoFar: number) => void;
  /** Abort when no chunk arrives for this long (0: never). */
  stallTimeoutMs?: number;
};

/** Writes `source` to `file`; resolves with the content's digest and size, or throws. */
export async function writeVerified(
  source: Readable | ReadableStream<Uint8Array>,
  file: string,
  opts: WriteVerifiedOptions = {},
): Promise<{ digest: string; bytes: number }> {
  const algorithm = opts.expectedDigest ? digestAlgorithm(opts.expectedDigest) : (opts.algorithm ?? 'sha256');
  if (!algorithm) throw new Error(`unsupported digest '${opts.expectedDigest?.slice(0, 100)}'`);
  const hash = createHash(algorithm);
  let bytes = 0;
  const input = source instanceof Readable ? source : Readable.fromWeb(source as WebReadableStream<Uint8Array>);
  let stallTimer: NodeJS.Timeout | undefined;
  const stallMs = opts.stallTimeoutMs ?? 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      opts.onBytes?.(bytes);
      armStall();
      cb(null, chunk);
    },
  });
  function armStall(): void {
    if (stallMs <= 0) return;
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => meter.destroy(new StallError(stallMs)), stallMs);
  }
  armStall();
  try {
    await pipeline(input, meter, createWriteStream(file, { mode: 0o600 }));
  } finally {
    clearTimeout(stallTimer);
  }
  const digest = `${algorithm}:${hash.digest('hex')}`;
  if (opts.expectedDigest && digest !== opts.expectedDigest) throw new DigestMismatchError(opts.expectedDigest, digest);
  return { digest, bytes };
}

/** The digest of a file's content (and its size). */
export async function digestOfFile(path: string, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<{ digest: string; bytes: number }> {
  const hash = createHash(algorithm);
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: `${algorithm}:${hash.digest('hex')}`, bytes };
}
