// One process of the dev cluster (the master or an agent): started from this checkout's
// src/main.ts under the same Node, its JSON log lines written to a file and watched for
// readiness, its errors echoed to the terminal, and stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createInterface } from 'node:readline';

/** src/main.ts of this checkout: children run the same code as the `agora dev` that started them. */
export const MAIN_TS = join(import.meta.dirname, '..', 'main.ts');

/** pino's numeric level for `error`; lines at or above it are also shown on the terminal. */
const PINO_ERROR = 50;
/** Lines kept in memory for the "last lines of its log" report when a child dies. */
const TAIL_LINES = 30;

export type LogRecord = Record<string, unknown> & { msg?: unknown; level?: unknown };

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null };

export class DevChild {
  readonly name: string;
  readonly logPath: string;
  readonly process: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  readonly #log: WriteStream;
  readonly #tail: string[] = [];
  readonly #records: LogRecord[] = [];
  readonly #waiters = new Set<{ match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }>();

  /**
   * Starts `agora <args>` (e.g. `master --port=0`). Children get their own process group, so a
   * Ctrl-C in the terminal reaches only `agora dev`, which then stops them in order.
   */
  constructor(name: string, args: string[], logPath: string, terminal: Writable, env: NodeJS.ProcessEnv = process.env) {
    this.name = name;
    this.logPath = logPath;
    this.#log = createWriteStream(logPath, { flags: 'a' });
    this.process = spawn(process.execPath, [MAIN_TS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => resolve({ code, signal }));
      // A failed spawn emits 'error' and no 'exit'.
      this.process.once('error', (err) => {
        this.#line(JSON.stringify({ level: 60, msg: 'failed to start process', err: err.message }), terminal);
        resolve({ code: null, signal: null });
      });
    });
    createInterface({ input: this.process.stdout! }).on('line', (l) => this.#line(l, terminal));
    createInterface({ input: this.process.stderr! }).on('line', (l) => this.#line(l, terminal));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The last lines the process wrote. */
  tail(): string[] {
    return [...this.#tail];
  }

  /**
   * The first log record matching `match` (earlier ones included). Rejects if the process exits
   * first or nothing matches within `timeoutMs`.
   */
  waitForLog(match: (r: LogRecord) => boolean, what: string, timeoutMs: number): Promise<LogRecord> {
    const seen = this.#records.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: LogRecord) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name} did not log '${what}' within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      this.#waiters.add(waiter);
      void this.exited.then(({ code, signal }) => {
        if (!this.#waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${describeExit({ code, signal })}) before it logged '${what}'`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs: number): Promise<ChildExit> {
    if (this.running) this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.process.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => this.#log.end(resolve));
    return exit;
  }

  /** Last resort on our own exit: never leave a child behind. */
  killNow(): void {
    if (this.running) this.process.kill('SIGKILL');
  }

  #line(line: string, terminal: Writable): void {
    this.#log.write(line + '\n');
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    if (record === null || typeof record !== 'object') return;
    this.#records.push(record);
    // Readiness waiters are registered right after spawn, so recent records are enough.
    if (this.#records.length > 200) this.#records.shift();
    if (typeof record.level === 'number' && record.level >= PINO_ERROR) {
      terminal.write(`[${this.name}] ${String(record.msg ?? line)}${record.err ? `: ${formatErr(record.err)}` : ''}\n`);
    }
    for (const w of [...this.#waiters]) {
      if (w.match(record)) {
        this.#waiters.delete(w);
        w.resolve(record);
      }
    }
  }
}

function formatErr(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return JSON.stringify(err);
}

export function describeExit({ code, signal }: ChildExit): string {
  if (signal) return `killed by ${signal}`;
  return code === null ? 'failed to start' : `exit code ${code}`;
}
