// Streams one source to a file: HTTP(S) through fetch() (redirects followed), local files through
// a read stream. Nothing is held in memory beyond a stream chunk. A download aborts when no byte
// arrives for `stallTimeoutMs` (Mesos's --fetcher_stall_timeout, which curl applies as "less than
// 1 byte/s"), including while waiting for the response headers, or when `signal` fires.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Clock } from '../common/clock.ts';
import { formatDuration } from '../common/units.ts';
import { noFollowWriteStream } from './sandbox-write.ts';
import type { FetchSource } from './uri.ts';

export type DownloadOptions = {
  clock: Clock;
  stallTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The announced size (Content-Length, file size), before the first byte is written. */
  onSize?: (bytes: number) => void;
  /** Called after every chunk with the bytes written so far. */
  onProgress?: (bytes: number) => void;
};

/** A download that failed; the message is the cause alone (the fetcher adds the URI). */
export class DownloadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

/** Writes `source` to `dest` (created or truncated). Resolves with the bytes written. */
export async function download(source: FetchSource, dest: string, o: DownloadOptions): Promise<number> {
  const stall = new AbortController();
  let lastByteAt = o.clock.now();
  const watchdog = o.clock.setInterval(
    () => {
      if (o.clock.now() - lastByteAt >= o.stallTimeoutMs) {
        stall.abort(new DownloadError(`no data received for ${formatDuration(o.stallTimeoutMs)} (--fetcher_stall_timeout)`));
      }
    },
    Math.max(10, Math.min(1000, o.stallTimeoutMs / 4)),
  );
  const signal = o.signal ? AbortSignal.any([o.signal, stall.signal]) : stall.signal;
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      lastByteAt = o.clock.now();
      o.onProgress?.(bytes);
      done(null, chunk);
    },
  });
  // The output exists before the input so that nothing can fail between creating the input
  // stream and handing it to pipeline() (an 'error' there would have no listener).
  let output: Awaited<ReturnType<typeof noFollowWriteStream>> | undefined;
  try {
    output = await noFollowWriteStream(dest);
    const body = source.kind === 'http' ? await openHttp(source.url, signal, o.onSize) : await statFile(source.path, o.onSize);
    lastByteAt = o.clock.now();
    const input = typeof body === 'string' ? createReadStream(body) : Readable.fromWeb(body);
    await pipeline(input, counter, output, { signal });
    return bytes;
  } catch (err) {
    output?.destroy();
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new DownloadError(String(signal.reason));
    throw err instanceof DownloadError ? err : new DownloadError(describeError(err), { cause: err });
  } finally {
    o.clock.clearInterval(watchdog);
  }
}

/** Sends the request; resolves with the body of a 200 response. */
async function openHttp(url: URL, signal: AbortSignal, onSize: ((bytes: number) => void) | undefined): Promise<WebReadableStream<Uint8Array>> {
  // fetch() follows up to 20 redirects; `identity` so Content-Length is the size on disk.
  const res = await fetch(url, { redirect: 'follow', signal, headers: { 'Accept-Encoding': 'identity' } });
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new DownloadError(`HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  if (!res.body) throw new DownloadError('HTTP 200 without a body');
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isSafeInteger(length) && length >= 0) onSize?.(length);
  return res.body as WebReadableStream<Uint8Array>;
}

/** Checks a local source; resolves with its path. */
async function statFile(path: string, onSize: ((bytes: number) => void) | undefined): Promise<string> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new DownloadError(err.code === 'ENOENT' ? `no such file '${path}'` : `cannot read '${path}': ${err.message}`);
  });
  if (!info.isFile()) throw new DownloadError(`'${path}' is not a regular file`);
  onSize?.(info.size);
  return path;
}

/** fetch() reports network failures as `TypeError: fetch failed` with the real cause inside. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
  }
  return err.message;
}
