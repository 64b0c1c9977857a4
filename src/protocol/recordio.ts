// RecordIO framing, as the Mesos v1 streaming APIs use it: each record is
// `<ASCII decimal byte length>\n<exactly that many bytes>`, with no separator after the data.
//
// The decoder is a pure byte-level state machine (bytes in, records out, no sockets), so it is
// tested like a parser. It copes with records split across chunks, several records in one chunk
// and length lines cut in the middle; it refuses records over a size limit before buffering them,
// so a hostile or broken peer cannot make us allocate unbounded memory.

const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;
/** A length line longer than this cannot be a valid length (2^53 has 16 digits). */
const MAX_LENGTH_DIGITS = 16;
/** Default limit on one record: large enough for a full operator SUBSCRIBED state snapshot. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024 * 1024;

const encoder = new TextEncoder();

/** Frames one record. A string is encoded as UTF-8; the length counts bytes, not characters. */
export function encodeRecord(data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const header = encoder.encode(`${body.byteLength}\n`);
  const out = Buffer.allocUnsafe(header.byteLength + body.byteLength);
  out.set(header, 0);
  out.set(body, header.byteLength);
  return out;
}

/** Why a RecordIO stream was rejected. */
export class RecordIOError extends Error {
  readonly code = 'RECORDIO_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RecordIOError';
  }
}

export type RecordIODecoderOptions = {
  /** Records longer than this are rejected with a RecordIOError. */
  maxRecordBytes?: number;
};

/**
 * Streaming RecordIO decoder. Feed it chunks with `push()`; it returns the records completed by
 * each chunk. Call `end()` when the stream closes to detect a truncated final record. After an
 * error the decoder stays failed: the stream cannot be resynchronised.
 */
export class RecordIODecoder {
  readonly #maxRecordBytes: number;
  /** Bytes of an unfinished length line (at most MAX_LENGTH_DIGITS). */
  #lengthDigits = '';
  /** Length of the record being read, or -1 while reading a length line. */
  #expected = -1;
  /** Chunks of the record being read, and their total size. */
  #parts: Uint8Array[] = [];
  #partsBytes = 0;
  #failed: RecordIOError | undefined;

  constructor(options: RecordIODecoderOptions = {}) {
    this.#maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** Consumes a chunk and returns the records it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw this.#failed;
    const records: Uint8Array[] = [];
    let pos = 0;
    const n = chunk.byteLength;
    while (pos < n) {
      if (this.#expected < 0) {
        // Reading a length line: digits up to '\n'.
        const nl = chunk.indexOf(NEWLINE, pos);
        const end = nl < 0 ? n : nl;
        for (let i = pos; i < end; i++) {
          const c = chunk[i]!;
          if (c < ZERO || c > NINE) {
            return this.#fail(`invalid record length: unexpected byte 0x${c.toString(16).padStart(2, '0')} in length line`);
          }
        }
        this.#lengthDigits += latin1(chunk, pos, end);
        if (this.#lengthDigits.length > MAX_LENGTH_DIGITS) {
          return this.#fail(`invalid record length: length line longer than ${MAX_LENGTH_DIGITS} digits`);
        }
        if (nl < 0) return records;
        if (this.#lengthDigits.length === 0) return this.#fail('invalid record length: empty length line');
        const length = Number(this.#lengthDigits);
        if (length > this.#maxRecordBytes) {
          return this.#fail(`record of ${length} bytes exceeds the limit of ${this.#maxRecordBytes} bytes`);
        }
        this.#lengthDigits = '';
        this.#expected = length;
        pos = nl + 1;
        if (length === 0) {
          records.push(new Uint8Array(0));
          this.#expected = -1;
        }
        continue;
      }
      // Reading a record body.
      const need = this.#expected - this.#partsBytes;
      const take = Math.min(need, n - pos);
      if (take === need && this.#parts.length === 0) {
        // Whole record inside this chunk: no copy.
        records.push(chunk.subarray(pos, pos + take));
      } else {
        this.#parts.push(chunk.subarray(pos, pos + take));
        this.#partsBytes += take;
        if (this.#partsBytes === this.#expected) {
          records.push(Buffer.concat(this.#parts, this.#partsBytes));
          this.#parts = [];
          this.#partsBytes = 0;
        }
      }
      pos += take;
      if (this.#parts.length === 0) this.#expected = -1;
    }
    return records;
  }

  /** True when the stream stopped between records (no partial length line or body). */
  get idle(): boolean {
    return this.#expected < 0 && this.#lengthDigits.length === 0;
  }

  /** Call at end of stream; throws if it ended inside a record. */
  end(): void {
    if (this.#failed) throw this.#failed;
    if (!this.idle) {
      const detail =
        this.#expected >= 0 ? `${this.#partsBytes} of ${this.#expected} bytes of a record` : `a partial length line '${this.#lengthDigits}'`;
      this.#fail(`stream ended inside a record: got ${detail}`);
    }
  }

  #fail(message: string): never {
    this.#failed = new RecordIOError(message);
    throw this.#failed;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads RecordIO records from a byte stream (a fetch body, an HTTP response) and yields each
 * record parsed as JSON.
 */
export async function* readJsonRecords<T = unknown>(
  stream: AsyncIterable<Uint8Array>,
  options: RecordIODecoderOptions = {},
): AsyncGenerator<T> {
  const decoder = new RecordIODecoder(options);
  for await (const chunk of stream) {
    for (const record of decoder.push(chunk)) {
      yield JSON.parse(utf8.decode(record)) as T;
    }
  }
  decoder.end();
}
