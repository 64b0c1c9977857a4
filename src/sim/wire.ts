// What both wire forms of the simulator's transport (http1-transport.ts, h2c-transport.ts) do
// the same way: feed a request body as the connection drains, and read a response header.
import type { BodySource } from './transport.ts';

/** Writes `body` to `sink` piece by piece, as fast as the sink drains; ends it after the last. */
export function pumpBody(sink: NodeJS.WritableStream & { destroyed: boolean }, body: BodySource): void {
  const pieces = body.chunks()[Symbol.iterator]();
  const pump = (): void => {
    while (!sink.destroyed) {
      const next = pieces.next();
      if (next.done === true) {
        sink.end();
        return;
      }
      if (!sink.write(next.value)) {
        sink.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/** A response header as one string (repeated headers joined, as Node joins them). */
export function headerValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
