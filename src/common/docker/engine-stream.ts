// Decoders for the two stream formats of the Docker Engine API:
//
// - Multiplexed logs / attach / exec output (containers without a TTY): frames of an 8-byte
//   header `[stream, 0, 0, 0, size(uint32 big-endian)]` followed by `size` bytes, stream 1 =
//   stdout, 2 = stderr (0 = stdin, never sent to us).
// - Progress streams (`POST /images/create`, `/build`): one JSON object per line; an object with
//   `error` (or `errorDetail.message`) means the operation failed even though the HTTP status
//   was 200, because the daemon had already sent its headers.
//
// Both decoders are push-based (feed chunks in, get callbacks out) so they can be unit tested
// without sockets and keep no more than one partial frame or line in memory.

export type StreamKind = 'stdout' | 'stderr';

/** Splits a multiplexed stream into stdout and stderr payloads. */
export class StreamDemuxer {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #onFrame: (kind: StreamKind, payload: Buffer) => void;

  constructor(onFrame: (kind: StreamKind, payload: Buffer) => void) {
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 8) {
      const size = this.#buffer.readUInt32BE(4);
      if (this.#buffer.length < 8 + size) break;
      const kind = this.#buffer[0] === 2 ? 'stderr' : 'stdout';
      const payload = this.#buffer.subarray(8, 8 + size);
      this.#buffer = this.#buffer.subarray(8 + size);
      if (size > 0) this.#onFrame(kind, payload);
    }
  }

  /** Bytes of an incomplete frame left at the end of the stream (0 for a well-formed stream). */
  get pending(): number {
    return this.#buffer.length;
  }
}

/** One message of a progress stream (image pull/import). */
export type ProgressMessage = {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
};

/** Splits a JSON-lines progress stream; remembers the first error message. */
export class ProgressDecoder {
  #partial = '';
  #error: string | undefined;
  readonly #onMessage: (message: ProgressMessage) => void;

  constructor(onMessage: (message: ProgressMessage) => void = () => {}) {
    this.#onMessage = onMessage;
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line);
  }

  end(): void {
    if (this.#partial.trim() !== '') this.#line(this.#partial);
    this.#partial = '';
  }

  /** The daemon's error message, if the stream reported one. */
  get error(): string | undefined {
    return this.#error;
  }

  #line(line: string): void {
    if (line.trim() === '') return;
    let message: ProgressMessage;
    try {
      message = JSON.parse(line) as ProgressMessage;
    } catch {
      return;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error !== undefined && this.#error === undefined) this.#error = error;
    this.#onMessage(message);
  }
}
