// A raw HTTP/1.1 client on a plain TCP socket, for the few conformance checks that must see the
// bytes `fetch` hides: the chunk boundaries of a streaming response (reference §1.3: each
// RecordIO record goes out as one HTTP chunk) and the exact record bytes.
import { connect, type Socket } from 'node:net';

export type RawChunkedResponse = {
  statusLine: string;
  /** Header names lower-cased. */
  headers: Map<string, string>;
  /** Resolves with the first `n` HTTP chunk payloads, exactly as sent. */
  chunks(n: number, timeoutMs?: number): Promise<Buffer[]>;
  close(): void;
};

/** Sends `POST path` with a JSON body and parses a chunked response as it arrives. */
export function rawPost(port: number, path: string, body: string, extraHeaders: Record<string, string> = {}): Promise<RawChunkedResponse> {
  const socket: Socket = connect(port, '127.0.0.1');
  const payload = Buffer.from(body, 'utf8');
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Content-Type: application/json',
    'Accept: application/json',
    `Content-Length: ${payload.length}`,
    ...Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));

  let buffer = Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let onProgress: () => void = () => {};
  let failure: Error | undefined;
  return new Promise((resolve, reject) => {
    let headerDone = false;
    socket.on('error', (err) => {
      failure = err;
      reject(err);
      onProgress();
    });
    socket.on('close', () => {
      failure ??= new Error('connection closed');
      onProgress();
    });
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      if (!headerDone) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
        buffer = buffer.subarray(end + 4);
        headerDone = true;
        const headers = new Map<string, string>();
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        resolve({
          statusLine: lines[0] ?? '',
          headers,
          chunks: (n, timeoutMs = 10_000) =>
            new Promise((res, rej) => {
              const timer = setTimeout(() => rej(new Error(`got ${chunks.length} of ${n} chunks within ${timeoutMs} ms`)), timeoutMs);
              onProgress = () => {
                if (chunks.length >= n) {
                  clearTimeout(timer);
                  res(chunks.slice(0, n));
                } else if (failure) {
                  clearTimeout(timer);
                  rej(new Error(`got ${chunks.length} of ${n} chunks: ${failure.message}`));
                }
              };
              onProgress();
            }),
          close: () => socket.destroy(),
        });
      }
      // Chunked transfer coding: `<hex size>\r\n<data>\r\n`.
      for (;;) {
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) break;
        const size = parseInt(buffer.subarray(0, lineEnd).toString('latin1'), 16);
        if (buffer.length < lineEnd + 2 + size + 2) break;
        chunks.push(Buffer.from(buffer.subarray(lineEnd + 2, lineEnd + 2 + size)));
        buffer = buffer.subarray(lineEnd + 2 + size + 2);
      }
      onProgress();
    });
  });
}

/**
 * Splits a buffer holding whole RecordIO records into `{declared, body}` pairs, strictly:
 * a decimal length, `\n`, exactly that many bytes, and nothing in between records.
 */
export function splitRecords(bytes: Buffer): { declared: number; body: Buffer }[] {
  const out: { declared: number; body: Buffer }[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`no length line at byte ${pos}: ${JSON.stringify(bytes.subarray(pos).toString('latin1'))}`);
    const digits = bytes.subarray(pos, nl).toString('latin1');
    if (!/^[1-9]\d*$/.test(digits)) throw new Error(`length line ${JSON.stringify(digits)} at byte ${pos} is not a decimal length`);
    const declared = Number(digits);
    if (nl + 1 + declared > bytes.length) throw new Error(`record at byte ${pos} declares ${declared} bytes, only ${bytes.length - nl - 1} follow`);
    out.push({ declared, body: bytes.subarray(nl + 1, nl + 1 + declared) });
    pos = nl + 1 + declared;
  }
  return out;
}
