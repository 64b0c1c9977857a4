// Sliced cycles: the same decisions as a whole cycle, budgets honoured, events between slices
// seen by later agents, and the reasons reported for frameworks that got nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvariantError } from '../common/errors.ts';
import { seededRng } from './rng.ts';
import { allocator, brief, cycle, framework, res } from './testing.ts';
import type { HierarchicalAllocator } from './allocator.ts';

function cluster(agents: number, frameworks: number): HierarchicalAllocator {
  const a = allocator();
  for (let i = 0; i < frameworks; i++) a.addFramework(framework(`f${i}`, [i % 2 === 0 ? 'even' : 'odd/sub']));
  for (let i = 0; i < agents; i++) a.addAgent({ agentId: `a${i}`, total: res(`cpus:${1 + (i % 4)};mem:${512 * (1 + (i % 3))}`) });
  return a;
}

describe('AllocationCycle', () => {
  it('makes the same offers sliced as whole', () => {
    const whole = cluster(40, 6).startCycle(0, seededRng(5)).finish().offers;
    const sliced = cluster(40, 6).startCycle(0, seededRng(5));
    const offers = [];
    let steps = 0;
    while (!sliced.done) {
      const slice = sliced.step({ maxAgents: 3 });
      assert.ok(slice.agentsProcessed <= 3);
      offers.push(...slice.offers);
      steps++;
    }
    assert.equal(steps, Math.ceil(40 / 3));
    assert.deepEqual(brief(offers), brief(whole));
    assert.equal(sliced.stats.slices, steps);
  });

  it('stops a step at the deadline of the caller clock (after at least one agent)', () => {
    const a = cluster(10, 2);
    let clock = 0;
    const c = a.startCycle(0, seededRng(1));
    // Each clock read advances 1 ms; a 3 ms budget allows a few agents per step.
    const slice = c.step({ deadline: 3, clock: () => clock++ });
    assert.ok(slice.agentsProcessed >= 1 && slice.agentsProcessed < 10);
    assert.ok(!slice.done);
    c.finish();
    assert.ok(c.done);
  });

  it('sees events between slices: a removed agent is skipped, recovered resources re-offered', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    for (let i = 0; i < 4; i++) a.addAgent({ agentId: `a${i}`, total: res('cpus:1;mem:128') });
    const c = a.startCycle(0, seededRng(2));
    const first = c.step({ maxAgents: 1 });
    assert.equal(first.offers.length, 1);
    const remaining = ['a0', 'a1', 'a2', 'a3'].filter((id) => id !== first.offers[0]!.agentId);
    a.removeAgent(remaining[0]!);
    const rest = c.finish();
    assert.equal(rest.offers.length, 3, 'the removed agent is skipped');
    assert.ok(!rest.offers.some((o) => o.agentId === remaining[0]));
  });

  it('runs one cycle at a time', () => {
    const a = cluster(3, 1);
    const c = a.startCycle(0, seededRng(1));
    assert.throws(() => a.startCycle(0, seededRng(1)), InvariantError);
    c.finish();
    assert.doesNotThrow(() => a.startCycle(1000, seededRng(1)).finish());
  });

  it('can be abandoned; offers made so far stay accounted', () => {
    const a = cluster(6, 1);
    const c = a.startCycle(0, seededRng(3));
    const made = c.step({ maxAgents: 2 }).offers.length;
    c.abandon();
    assert.ok(c.done);
    const next = a.startCycle(1000, seededRng(3)).finish();
    assert.equal(next.offers.length, 6 - made, 'agents offered before the abandon stay taken');
  });

  it('only considers the candidate agents when given', () => {
    const a = cluster(5, 1);
    const r = a.allocate(0, seededRng(1), { agents: ['a1', 'a3', 'nope'] });
    assert.deepEqual(r.offers.map((o) => o.agentId).sort(), ['a1', 'a3']);
  });

  it('explains why a framework got nothing', () => {
    const a = allocator();
    a.updateQuota('capped', { limits: { cpus: 0, mem: 0 } });
    a.addFramework(framework('capped', ['capped']));
    a.addFramework(framework('idle', ['r']), { active: false });
    a.addFramework(framework('quiet', ['r']));
    a.suppress('quiet');
    a.addFramework(framework('late', ['r2']));
    a.addFramework(framework('first', ['r1']));
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128') });
    const r = cycle(a);
    const reason = (id: string) => r.noOffers.find((n) => n.frameworkId === id)?.reason;
    assert.equal(reason('idle'), 'inactive');
    assert.equal(reason('quiet'), 'suppressed');
    assert.equal(reason('capped'), 'no_resources', 'a capped role is not even visited');
    // r1 and r2 tie at share 0; r1 wins the name tie-break and takes the only agent.
    assert.deepEqual(brief(r.offers), [['first', 'x', 'r1', 'cpus:1; mem:128']]);
    assert.equal(reason('late'), 'no_resources');
  });

  it('merges stage-1 and stage-2 pieces for the same framework, agent and role', () => {
    const a = allocator();
    a.updateQuota('q', { guarantees: { cpus: 1 } });
    a.addFramework(framework('f', ['q']));
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024') });
    const r = cycle(a);
    // Stage 1 offers the guaranteed cpu plus what limits and headroom allow; nothing is left
    // for stage 2 here, so there is exactly one offer with the whole agent.
    assert.equal(r.offers.length, 1);
    assert.equal(r.offers[0]!.resources.cpus(), 4);
    assert.equal(r.offers[0]!.stage, 1);
  });
});
