// The ready pipe: fd 3 of a command executor the Linux containerizer starts (README.md there).
//
// Cold start: the containerizer spawns the executor (a Node process, ~50 ms to load) at the same
// time as it sets the container up (cgroups, rootfs, launch file), and writes one byte on the
// pipe when the set-up is done, then EOF. The executor subscribes to the agent, and so can
// receive its task, only after that byte: its task never starts in a container that is not ready.
//
// Warm start: the containerizer keeps executors that were started ahead of any task, have loaded
// their modules and wait on the pipe. A launch hands one its container as one JSON line (the
// hand-over: the environment it would have been spawned with, its working directory, the sandbox
// stdout/stderr files), then the ready byte once the set-up is done, as above.
//
// EOF without the byte (or, for a warm executor, without a hand-over) means the set-up failed or
// the agent died meanwhile; the executor then exits (the containerizer kills it anyway; a restarted
// agent cleans up, and a warm executor that never got a container is nobody's business).
import { close, read } from 'node:fs';
import { READY_FD_ENV } from './launch-file.ts';

/** The fd the executor gets the pipe on (spawn stdio index). */
export const READY_FD = 3;
export const READY_BYTE = 'r';
/** A hand-over is a few KB (an environment); anything far larger is not one. */
const MAX_HAND_OVER_BYTES = 4 * 1024 * 1024;

/** What a warm executor takes over from the containerizer: what a cold spawn would have given it. */
export type HandOver = {
  /** The executor's complete environment (Mesos executor variables, launch file, ready fd). */
  env: Record<string, string>;
  /** Its working directory: the sandbox. */
  cwd: string;
  /** The sandbox files its own output and its task's go to. */
  stdout: string;
  stderr: string;
};

/** The hand-over line the containerizer writes (newline-terminated JSON). */
export function encodeHandOver(handOver: HandOver): string {
  return `${JSON.stringify(handOver)}\n`;
}

/** Pure: a hand-over line, checked field by field; a string names what is wrong. */
export function parseHandOver(line: string): HandOver | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `the hand-over is not JSON: ${(err as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the hand-over is not a JSON object';
  const o = value as Record<string, unknown>;
  for (const field of ['cwd', 'stdout', 'stderr'] as const) {
    if (typeof o[field] !== 'string' || o[field] === '') return `the hand-over's '${field}' must be a non-empty string`;
  }
  if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) return "the hand-over's 'env' must be an object";
  for (const [name, text] of Object.entries(o.env)) {
    if (typeof text !== 'string') return `the hand-over's 'env.${name}' must be a string`;
  }
  return { env: o.env as Record<string, string>, cwd: o.cwd as string, stdout: o.stdout as string, stderr: o.stderr as string };
}

/**
 * Executor side of the pipe: reads the hand-over (warm executors) and then the ready byte. The
 * fd is closed once the ready byte (or EOF) was read, so the task never inherits it.
 */
export class ReadyPipe {
  readonly #fd: number;
  #buffered = Buffer.alloc(0);
  #eof = false;
  #closed = false;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** The pipe named in `env` (AGORA_CONTAINER_READY_FD); undefined without one, null for a bad one. */
  static from(env: Readonly<Record<string, string | undefined>>): ReadyPipe | undefined | null {
    const text = env[READY_FD_ENV];
    if (text === undefined) return undefined;
    const fd = Number(text);
    return Number.isInteger(fd) && fd >= 0 ? new ReadyPipe(fd) : null;
  }

  /** Waits for the hand-over line: undefined on EOF first (the agent went away: nothing to do). */
  async handOver(): Promise<HandOver | string | undefined> {
    for (;;) {
      const newline = this.#buffered.indexOf(0x0a);
      if (newline >= 0) {
        const line = this.#buffered.subarray(0, newline).toString('utf8');
        this.#buffered = this.#buffered.subarray(newline + 1);
        return parseHandOver(line);
      }
      if (this.#buffered.length > MAX_HAND_OVER_BYTES) return `the hand-over is longer than ${MAX_HAND_OVER_BYTES} bytes`;
      if (!(await this.#fill())) return this.#buffered.length === 0 ? undefined : 'the hand-over ended without a newline';
    }
  }

  /** Waits for the ready byte: true once the container is set up, false on EOF or a read error. */
  async ready(): Promise<boolean> {
    if (this.#buffered.length === 0) await this.#fill();
    const ready = this.#buffered.length > 0 && this.#buffered.subarray(0, 1).toString() === READY_BYTE;
    await this.close();
    return ready;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((done) => close(this.#fd, () => done()));
  }

  /** One read(2) into the buffer; false on EOF or an error. */
  #fill(): Promise<boolean> {
    if (this.#eof || this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const chunk = Buffer.alloc(64 * 1024);
      read(this.#fd, chunk, 0, chunk.length, null, (err, bytes) => {
        if (err || bytes === 0) {
          this.#eof = true;
          resolve(false);
          return;
        }
        this.#buffered = Buffer.concat([this.#buffered, chunk.subarray(0, bytes)]);
        resolve(true);
      });
    });
  }
}

/**
 * Executor side, cold start: resolves true at once without a ready fd in `env` (not in a Linux
 * container, or a recovered executor), else once the containerizer said ready; false on EOF or a
 * bad fd. The fd is closed either way.
 */
export function awaitContainerReady(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const pipe = ReadyPipe.from(env);
  if (pipe === undefined) return Promise.resolve(true);
  if (pipe === null) return Promise.resolve(false);
  return pipe.ready();
}
