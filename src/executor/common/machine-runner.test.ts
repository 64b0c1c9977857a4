import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineRunner } from './machine-runner.ts';

/**
 * A counter machine at time `now`: each input adds to the state and asks for one effect per unit
 * added; `react` sees each effect carried out (with the runner, to feed inputs back or stop it).
 */
function counter(now: number, react: (effect: string, runner: MachineRunner<number, number, string>) => void) {
  const done: string[] = [];
  const runner: MachineRunner<number, number, string> = new MachineRunner({
    initial: 0,
    step: (machine: number, input: number, at: number) => ({ machine: machine + input, effects: Array.from({ length: input }, (_, i) => `${input}.${i}@${at}`) }),
    now: () => now,
    carryOut: (effect) => {
      done.push(effect);
      react(effect, runner);
    },
  });
  return { runner, done };
}

test('an input fed back by an effect waits until every effect of the current step is carried out', () => {
  const { runner, done } = counter(7, (effect, r) => effect === '2.0@7' && r.apply(1));
  runner.apply(2);
  assert.deepEqual(done, ['2.0@7', '2.1@7', '1.0@7']);
  assert.equal(runner.machine, 3);
});

test('after stop() no effect is carried out and no input stepped', () => {
  const { runner, done } = counter(0, (_effect, r) => {
    r.apply(5);
    r.stop();
  });
  runner.apply(3);
  assert.deepEqual(done, ['3.0@0']);
  assert.equal(runner.machine, 3);
  assert.ok(runner.stopped);
  runner.apply(1);
  assert.equal(runner.machine, 3);
});
