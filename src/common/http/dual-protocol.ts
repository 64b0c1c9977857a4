// One port, two protocols: HTTP/1.1 and HTTP/2 over cleartext with prior knowledge ("h2c",
// RFC 9113 §3.3). A client that opens with the HTTP/2 connection preface gets an HTTP/2 session;
// anything else goes to the HTTP/1.1 server, exactly as before. Both hand requests to the same
// handler (Node's HTTP/2 compatibility API: the request and response objects have the same shape).
//
// Why: every Mesos client holds one connection per event stream. Many clients behind one host (a
// proxy, a process simulating thousands of agents) can share one HTTP/2 connection instead, so
// the master is not bounded by the open-file limit of its process at one socket per agent.
//
// The first bytes are read in JavaScript to choose the protocol and are then put back (unshift):
// the HTTP/1.1 server and the HTTP/2 session both read what is buffered on the socket before they
// read its native handle, so neither loses the bytes and both then run at native speed. (A
// request that arrives together with the HTTP/2 preface may see no `req.socket.remoteAddress`;
// nothing in Agora reads it.)
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { IncomingMessage, Server as Http1Server, ServerResponse } from 'node:http';
import { createServer as createH2cServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { Logger } from '../log.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** A connection that sends nothing is closed after this long (Node's HTTP/1.1 headers timeout). */
const FIRST_BYTES_TIMEOUT_MS = 60_000;

/**
 * HTTP/2 settings for sessions that carry many streams at once: thousands of agents' SUBSCRIBE
 * bodies (up to ~100 KB each with task history) share one connection window, which at the
 * protocol's default of 64 KiB would pace them by round trips to the event loop. Node's default
 * session memory cap (10 MB) would refuse streams long before 40,000 agents.
 */
const H2_SERVER_OPTIONS = {
  settings: { initialWindowSize: 1024 * 1024, enablePush: false },
  maxSessionMemory: 256,
} as const;
const H2_SESSION_WINDOW = 32 * 1024 * 1024;

/** True when `chunk` is the HTTP/2 preface, or a prefix of it long enough to tell. */
export function startsWithH2Preface(chunk: Buffer): boolean {
  const n = Math.min(chunk.length, PREFACE.length);
  // "PRI " already rules out every HTTP/1.1 method.
  return n >= 4 && chunk.subarray(0, n).equals(PREFACE.subarray(0, n));
}

export class DualProtocolListener {
  readonly #front: NetServer;
  readonly #h1: Http1Server;
  readonly #h2: Http2Server;
  readonly #log: Logger;
  /** Connections that have not said which protocol they speak yet. */
  readonly #undecided = new Set<Socket>();
  readonly #sessions = new Set<ServerHttp2Session>();

  /**
   * `h1` serves HTTP/1.1 connections; HTTP/2 requests reach `serve` too, through Node's
   * compatibility API, whose request and response implement what handlers use (headers, method,
   * url, the body stream; writeHead, setHeader, write with 'drain', end, flushHeaders,
   * writableLength, 'close'). Handlers must not set connection-specific headers (Connection,
   * Transfer-Encoding), which HTTP/2 forbids.
   */
  constructor(h1: Http1Server, serve: (req: IncomingMessage, res: ServerResponse) => void, log: Logger) {
    this.#h1 = h1;
    const h2 = createH2cServer(H2_SERVER_OPTIONS, (req, res) => serve(req as unknown as IncomingMessage, res as unknown as ServerResponse));
    this.#h2 = h2;
    this.#log = log;
    this.#front = createNetServer({ pauseOnConnect: true }, (socket) => this.#sniff(socket));
    h2.on('session', (session: ServerHttp2Session) => {
      this.#sessions.add(session);
      session.setLocalWindowSize(H2_SESSION_WINDOW);
      session.once('close', () => this.#sessions.delete(session));
    });
    // A broken or hostile HTTP/2 peer costs its own session, never the process.
    h2.on('sessionError', (err: Error) => this.#log.debug({ err: err.message }, 'http/2 session error'));
    h2.on('streamError', (err: Error) => this.#log.debug({ err: err.message }, 'http/2 stream error'));
  }

  listen(port: number, host: string, backlog: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#front.once('error', reject);
      this.#front.listen({ port, host, backlog }, () => {
        this.#front.off('error', reject);
        // Node's HTTP/1.1 server starts tracking its connections (what closeAllConnections and
        // the headers timeout work on) when it hears that it listens; it never listens itself.
        this.#h1.emit('listening');
        resolve(this.#front.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo {
    return this.#front.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const socket of this.#undecided) socket.destroy();
    this.#undecided.clear();
    this.#h1.closeAllConnections();
    this.#h1.close(() => undefined); // stops the connection-tracking timer; not listening itself
    for (const session of this.#sessions) session.destroy();
    await new Promise<void>((resolve) => this.#front.close(() => resolve()));
  }

  #sniff(socket: Socket): void {
    this.#undecided.add(socket);
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => void socket.destroy());
    const forget = (): void => {
      this.#undecided.delete(socket);
      socket.setTimeout(0);
      socket.off('data', onFirst);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onError = (): void => void socket.destroy();
    const onClose = (): void => forget();
    const onFirst = (chunk: Buffer): void => {
      socket.pause();
      forget();
      if (startsWithH2Preface(chunk)) this.#toH2(socket, chunk);
      else this.#toH1(socket, chunk);
    };
    socket.on('data', onFirst);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.resume();
  }

  #toH1(socket: Socket, first: Buffer): void {
    socket.unshift(first);
    this.#h1.emit('connection', socket);
    socket.resume();
  }

  #toH2(socket: Socket, first: Buffer): void {
    socket.setNoDelay(true);
    // The session reads what is already buffered on the socket first, then the native handle.
    // The socket stays paused: resuming it here would hand the buffered bytes to nobody.
    socket.unshift(first);
    this.#h2.emit('connection', socket);
  }

}
