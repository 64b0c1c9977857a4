// Runs a pure machine (state and input in, state and effects out; house style B2) for an executor
// shell: the task machine of the command and Docker executors (task-driver.ts) and the default
// executor's group machine. Inputs are stepped one at a time: an effect may feed another input
// back (spawn -> spawned), which waits until every effect of the current step is carried out.
// Once stopped, nothing is stepped or carried out any more.

export type MachineStep<M, I, E> = (machine: M, input: I, now: number) => { machine: M; effects: readonly E[] };

export type MachineRunnerOptions<M, I, E> = {
  initial: M;
  step: MachineStep<M, I, E>;
  /** Carries out one effect; may call `apply` (queued) or `stop`. */
  carryOut: (effect: E) => void;
  /** The time each input is stepped at (the executor's Clock). */
  now: () => number;
};

export class MachineRunner<M, I, E> {
  readonly #o: MachineRunnerOptions<M, I, E>;
  #machine: M;
  readonly #inputs: I[] = [];
  #applying = false;
  #stopped = false;

  constructor(options: MachineRunnerOptions<M, I, E>) {
    this.#o = options;
    this.#machine = options.initial;
  }

  get machine(): M {
    return this.#machine;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Steps the machine with `input` and carries out what it decides (after the current step, if one runs). */
  apply(input: I): void {
    this.#inputs.push(input);
    if (this.#applying) return;
    this.#applying = true;
    try {
      for (let next = this.#inputs.shift(); next !== undefined && !this.#stopped; next = this.#inputs.shift()) {
        const result = this.#o.step(this.#machine, next, this.#o.now());
        this.#machine = result.machine;
        for (const effect of result.effects) {
          if (this.#stopped) break;
          this.#o.carryOut(effect);
        }
      }
    } finally {
      this.#applying = false;
      this.#inputs.length = 0;
    }
  }

  /** No input is stepped any more. */
  stop(): void {
    this.#stopped = true;
  }
}
