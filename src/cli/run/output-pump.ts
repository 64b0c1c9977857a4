// Copies a running task's stdout and stderr to the terminal by polling its sandbox files on the
// agent, as the Mesos web UI's pailer does. Until the agent has created the sandbox there is
// nothing to read; failures to reach the agent are retried on the next tick (the task's status
// updates, not the pump, decide when the run is over).
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { findSandbox, SandboxFile, type AgentClient } from '../../client/index.ts';

export type PumpTarget = { agent: AgentClient; frameworkId: string; taskId: string };

export class OutputPump {
  readonly #target: PumpTarget;
  readonly #stdout: Writable;
  readonly #stderr: Writable;
  readonly #pollMs: number;
  #files: { file: SandboxFile; out: Writable }[] | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** The last error a tick hit, reported if the final drain fails too. */
  lastError: unknown;

  constructor(target: PumpTarget, out: { stdout: Writable; stderr: Writable }, pollMs: number) {
    this.#target = target;
    this.#stdout = out.stdout;
    this.#stderr = out.stderr;
    this.#pollMs = pollMs;
  }

  /** Starts polling in the background. */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops polling, then reads whatever is left (the task has ended, so the files are final). */
  async finish(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    await this.#tick();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      await this.#tick();
      if (!this.#stopped) await sleep(this.#pollMs);
    }
  }

  async #tick(): Promise<void> {
    try {
      this.#files ??= await this.#locate();
      for (const { file, out } of this.#files ?? []) {
        const text = await file.readAvailable();
        if (text) out.write(text);
      }
    } catch (err) {
      this.lastError = err;
    }
  }

  async #locate(): Promise<{ file: SandboxFile; out: Writable }[] | undefined> {
    const { agent, frameworkId, taskId } = this.#target;
    const where = findSandbox(await agent.legacyState(), frameworkId, taskId);
    if (!where) return undefined;
    return [
      { file: new SandboxFile(agent, `${where.directory}/stdout`), out: this.#stdout },
      { file: new SandboxFile(agent, `${where.directory}/stderr`), out: this.#stderr },
    ];
  }
}
