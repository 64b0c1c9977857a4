// The allocator's behaviour, one named test per claim (master-features.md §1-§4). Comments walk
// through the DRF shares the way Mesos's hierarchical_allocator_tests.cpp does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frameworkAllocation, roleView } from './inspect.ts';
import { persistentVolume, resources } from '../common/resources/testing.ts';
import { allocator, brief, cycle, framework, onlyOffer, res, revocable, reservedTo } from './testing.ts';

describe('HierarchicalAllocator behaviour', () => {
  it('DRF fairness between two frameworks', () => {
    const a = allocator();
    a.addFramework(framework('f1', ['role1']));
    a.addFramework(framework('f2', ['role2']));

    // Total: cpus 2, mem 1024. Both shares are 0; the tie goes to the name: role1 gets agent1.
    // role1 share = max(2/2, 1024/1024) = 1.
    a.addAgent({ agentId: 'agent1', total: res('cpus:2;mem:1024') });
    assert.deepEqual(brief(cycle(a).offers), [['f1', 'agent1', 'role1', 'cpus:2; mem:1024']]);

    // Total: cpus 3, mem 1536. role1 = max(2/3, 1024/1536) = 0.67, role2 = 0: role2 gets agent2.
    // role2 = max(1/3, 512/1536) = 0.33.
    a.addAgent({ agentId: 'agent2', total: res('cpus:1;mem:512') });
    assert.deepEqual(brief(cycle(a).offers), [['f2', 'agent2', 'role2', 'cpus:1; mem:512']]);

    // Total: cpus 6, mem 3584. role1 = max(2/6, 1024/3584) = 0.33, role2 = max(1/6, 512/3584)
    // = 0.17: role2 gets agent3 and rises to max(4/6, 2560/3584) = 0.71.
    a.addAgent({ agentId: 'agent3', total: res('cpus:3;mem:2048') });
    assert.deepEqual(brief(cycle(a).offers), [['f2', 'agent3', 'role2', 'cpus:3; mem:2048']]);

    // Total: cpus 10, mem 7680. role1 = max(2/10, 1024/7680) = 0.2 < role2 = max(4/10, 2560/7680)
    // = 0.4: role1 gets agent4.
    a.addAgent({ agentId: 'agent4', total: res('cpus:4;mem:4096') });
    assert.deepEqual(brief(cycle(a).offers), [['f1', 'agent4', 'role1', 'cpus:4; mem:4096']]);
  });

  it('DRF fairness between two frameworks in one role', () => {
    // Four equal agents, two frameworks in the same role: each ends with two (0.5 each).
    const a = allocator();
    a.addFramework(framework('f1', ['r']));
    a.addFramework(framework('f2', ['r']));
    for (let i = 0; i < 4; i++) a.addAgent({ agentId: `a${i}`, total: res('cpus:1;mem:256') });
    const offers = cycle(a).offers;
    assert.equal(offers.filter((o) => o.frameworkId === 'f1').length, 2);
    assert.equal(offers.filter((o) => o.frameworkId === 'f2').length, 2);
  });

  it('weights: a role with weight 2 gets about twice the share of a role with weight 1', () => {
    const a = allocator();
    a.updateWeights([{ role: 'heavy', weight: 2 }]);
    a.addFramework(framework('h', ['heavy']));
    a.addFramework(framework('l', ['light']));
    // 30 equal agents (1/30 of the cluster each). Each goes to the lower weighted share:
    // heavy's is (k/30)/2, light's m/30, so heavy ends with 20 and light with 10.
    for (let i = 0; i < 30; i++) a.addAgent({ agentId: `a${i}`, total: res('cpus:1;mem:100') });
    const offers = cycle(a).offers;
    const heavy = offers.filter((o) => o.role === 'heavy').length;
    assert.ok(heavy >= 19 && heavy <= 21, `heavy got ${heavy}`);
    assert.equal(offers.length, 30);
  });

  it('weights can change at run time', () => {
    const a = allocator();
    a.addFramework(framework('x', ['x']));
    a.addFramework(framework('y', ['y']));
    for (let i = 0; i < 12; i++) a.addAgent({ agentId: `a${i}`, total: res('cpus:1;mem:100') });
    a.updateWeights([{ role: 'y', weight: 3 }]);
    // y's weighted share is (m/12)/3: y takes 9 of 12.
    const offers = cycle(a).offers;
    assert.equal(offers.filter((o) => o.role === 'y').length, 9);
    assert.equal(roleView(a, 'y')?.weight, 3);
  });

  it('a reservation is offered only to its role (and its subroles)', () => {
    const a = allocator();
    a.addFramework(framework('other', ['r2']));
    a.addAgent({ agentId: 'agent1', total: res('cpus:1;mem:512').add(reservedTo('r1', 'cpus:3;mem:512')) });
    // Only r2 has a framework: it gets the unreserved part, never r1's reservation.
    assert.deepEqual(brief(cycle(a).offers), [['other', 'agent1', 'r2', 'cpus:1; mem:512']]);
    // A framework in r1/sub may use reservations of its ancestor r1.
    a.addFramework(framework('sub', ['r1/sub']));
    const offer = onlyOffer(cycle(a, 1000), 'sub');
    assert.equal(offer.role, 'r1/sub');
    assert.equal(offer.resources.cpus(), 3);
    assert.ok(offer.resources.entries.every((e) => e.isReserved('r1')));
  });

  it('static reservations go to their role too', () => {
    const a = allocator();
    a.addFramework(framework('ads', ['ads']));
    a.addFramework(framework('web', ['web']));
    a.addAgent({ agentId: 'agent1', total: res('cpus(ads):4;mem(ads):1024') });
    assert.deepEqual(brief(cycle(a).offers), [['ads', 'agent1', 'ads', 'cpus(reservations: [(STATIC,ads)]):4; mem(reservations: [(STATIC,ads)]):1024']]);
  });

  it('quota guarantee met before fair share', () => {
    const a = allocator();
    a.addFramework(framework('fq', ['quota']));
    a.addFramework(framework('fn', ['nonquota']));
    a.updateQuota('quota', { guarantees: { cpus: 2, mem: 1024 } });
    // agent1 already runs a task of fq: quota's share is max(1/1, 512/512) = 1, nonquota's 0.
    a.addAgent({ agentId: 'agent1', total: res('cpus:1;mem:512'), used: new Map([['fq', res('cpus:1;mem:512').allocate('quota')]]) });
    // agent2 arrives. By DRF it would go to nonquota (share 0 < 0.5), but quota still misses
    // cpus:1;mem:512 of its guarantee, and stage 1 satisfies guarantees first.
    a.addAgent({ agentId: 'agent2', total: res('cpus:1;mem:512') });
    const first = cycle(a);
    assert.deepEqual(brief(first.offers), [['fq', 'agent2', 'quota', 'cpus:1; mem:512']]);
    assert.equal(first.offers[0]!.stage, 1);
    // The guarantee is met: agent3 follows fair share and goes to nonquota.
    a.addAgent({ agentId: 'agent3', total: res('cpus:1;mem:512') });
    assert.deepEqual(brief(cycle(a, 1000).offers), [['fn', 'agent3', 'nonquota', 'cpus:1; mem:512']]);
  });

  it('headroom: a non-quota role cannot take what an unmet guarantee needs', () => {
    const a = allocator();
    a.addFramework(framework('fn', ['nonquota']));
    a.updateQuota('quota', { guarantees: { cpus: 2 } });
    // quota has no framework yet: nothing is offered to it, but cpus:2 are held back for it.
    a.addAgent({ agentId: 'agent1', total: res('cpus:3;mem:1024') });
    const offer = onlyOffer(cycle(a), 'fn');
    assert.equal(offer.resources.cpus(), 1);
    assert.equal(offer.resources.mem(), 1024);
  });

  it('a quota limit is never exceeded (and chops a larger agent)', () => {
    const a = allocator();
    a.updateQuota('capped', { limits: { cpus: 10 } });
    a.addFramework(framework('f', ['capped']));
    // A 15-cpu agent is chopped to the 10-cpu limit.
    a.addAgent({ agentId: 'big', total: res('cpus:15;mem:4096') });
    assert.equal(onlyOffer(cycle(a), 'f').resources.cpus(), 10);
    // More agents change nothing: the role is at its limit (and stays at it).
    for (let i = 0; i < 3; i++) a.addAgent({ agentId: `more${i}`, total: res('cpus:4;mem:1024') });
    for (let t = 1; t <= 3; t++) {
      const offers = cycle(a, t * 1000).offers;
      for (const o of offers) assert.equal(o.resources.cpus(), undefined, 'no cpus beyond the limit');
      assert.ok((roleView(a, 'capped')!.consumed.cpus ?? 0) <= 10);
    }
  });

  it('a role at its limits still gets its reservations, and ports when its rule accepts them', () => {
    const a = allocator();
    a.updateQuota('capped', { limits: { cpus: 0, mem: 0, disk: 0 } });
    a.addFramework(framework('f', ['capped']));
    a.addAgent({ agentId: 'x', total: res('cpus:2;mem:256;ports:[1-10]') });
    // Nothing allocatable: ports alone are below the default cpus:0.01|mem:32.
    assert.equal(cycle(a).offers.length, 0);
    // Its own reservation is not subject to the limit (it counts toward consumption instead).
    a.addAgent({ agentId: 'y', total: reservedTo('capped', 'cpus:1;mem:64') });
    assert.deepEqual(brief(cycle(a, 1000).offers).map((o) => o[1]), ['y']);
    // A framework that takes anything gets the ports.
    a.addFramework(framework('g', ['capped'], [], { minAllocatable: { capped: [] } }));
    const r = cycle(a, 2000);
    assert.deepEqual(r.offers.map((o) => [o.frameworkId, o.resources.toString()]), [['g', 'ports(allocated: capped):[1-10]']]);
  });

  it('hierarchical limits: a/b cannot exceed the limit of a', () => {
    const a = allocator();
    a.updateQuota('a', { limits: { cpus: 4 } });
    a.updateQuota('a/b', { limits: { cpus: 100 } });
    a.addFramework(framework('fb', ['a/b']));
    a.addFramework(framework('fc', ['a/c']));
    for (let i = 0; i < 5; i++) a.addAgent({ agentId: `x${i}`, total: res('cpus:2;mem:512') });
    cycle(a);
    cycle(a, 1000);
    // a/b and a/c together hold at most a's 4 cpus, whatever a/b's own limit says.
    const consumed = roleView(a, 'a')!.consumed.cpus ?? 0;
    assert.equal(consumed, 4);
    assert.ok((roleView(a, 'a/b')!.consumed.cpus ?? 0) <= 4);
  });

  it('nested quota guarantee: a child guarantee is met before fair share (Mesos never did this)', () => {
    const a = allocator();
    a.updateQuota('eng', { guarantees: { cpus: 3 } });
    a.updateQuota('eng/backend', { guarantees: { cpus: 2 } });
    a.addFramework(framework('be', ['eng/backend']));
    a.addFramework(framework('fe', ['eng/frontend']));
    a.addFramework(framework('ops', ['ops']));
    for (let i = 0; i < 6; i++) a.addAgent({ agentId: `n${i}`, total: res('cpus:1;mem:128') });
    const offers = cycle(a).offers;
    const stage1 = offers.filter((o) => o.stage === 1);
    // Stage 1: backend's 2 cpus and eng's remaining 1 (to frontend) are guaranteed.
    assert.equal(stage1.filter((o) => o.role === 'eng/backend').length, 2);
    assert.equal(stage1.filter((o) => o.role === 'eng/frontend').length, 1);
    assert.equal(stage1.length, 3);
  });

  it('decline with refuse_seconds, then re-offer after expiry', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'agent1', total: res('cpus:2;mem:1024') });
    const offer = onlyOffer(cycle(a, 0), 'f');
    a.declineWithFilters('f', 'agent1', offer.resources, 10, 0);
    // Filtered for 10 s.
    const during = cycle(a, 1000);
    assert.equal(during.offers.length, 0);
    assert.equal(during.noOffers.find((n) => n.frameworkId === 'f')?.reason, 'filtered');
    assert.equal(cycle(a, 9999).offers.length, 0);
    // At 10 s the filter expires.
    assert.equal(onlyOffer(cycle(a, 10_000), 'f').agentId, 'agent1');
  });

  it('a filter does not hide more resources than were refused', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addFramework(framework('g', ['r2']));
    a.addAgent({ agentId: 'agent1', total: res('cpus:4;mem:1024'), used: new Map([['g', res('cpus:2;mem:512').allocate('r2')]]) });
    const offer = onlyOffer(cycle(a, 0), 'f');
    a.declineWithFilters('f', 'agent1', offer.resources, 60, 0);
    // g finishes its task: the agent now has more than f refused, so f sees it before expiry.
    a.recoverResources('g', 'agent1', res('cpus:2;mem:512').allocate('r2'));
    a.suppress('g');
    assert.equal(onlyOffer(cycle(a, 1000), 'f').resources.cpus(), 4);
  });

  it('refuse_seconds: default 5 s, at least the allocation interval, capped at 365 days', () => {
    const a = allocator({ allocationIntervalMs: 2000 });
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'agent1', total: res('cpus:1;mem:128') });
    let offer = onlyOffer(cycle(a, 0), 'f');
    a.declineWithFilters('f', 'agent1', offer.resources, undefined, 0);
    assert.equal(cycle(a, 4999).offers.length, 0);
    offer = onlyOffer(cycle(a, 5000), 'f');
    a.declineWithFilters('f', 'agent1', offer.resources, 0.5, 5000);
    assert.equal(cycle(a, 6000).offers.length, 0, 'a filter lives at least one allocation interval');
    offer = onlyOffer(cycle(a, 7000), 'f');
    a.declineWithFilters('f', 'agent1', offer.resources, 0, 7000);
    assert.equal(onlyOffer(cycle(a, 7001), 'f').agentId, 'agent1', 'refuse_seconds 0 installs no filter');
  });

  it('suppress then revive', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'agent1', total: res('cpus:2;mem:1024') });
    const offer = onlyOffer(cycle(a, 0), 'f');
    // A long filter, then SUPPRESS: nothing, and the reason says why.
    a.declineWithFilters('f', 'agent1', offer.resources, 3600, 0);
    a.suppress('f');
    const suppressed = cycle(a, 1000);
    assert.equal(suppressed.offers.length, 0);
    assert.equal(suppressed.noOffers[0]?.reason, 'suppressed');
    // REVIVE unsuppresses and clears the filter: an offer without waiting an hour.
    a.revive('f');
    assert.equal(onlyOffer(cycle(a, 2000), 'f').agentId, 'agent1');
  });

  it('suppress and revive per role for a multi-role framework', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r1', 'r2']));
    a.suppress('f', ['r1']);
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128') });
    a.addAgent({ agentId: 'y', total: res('cpus:1;mem:128') });
    const offers = cycle(a).offers;
    assert.ok(offers.length === 2 && offers.every((o) => o.role === 'r2'));
  });

  it('min allocatable: the default cpus:0.01|mem:32, and per-framework overrides', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    // 16 MB of memory and no cpus is below both default thresholds.
    a.addAgent({ agentId: 'tiny', total: res('mem:16') });
    const none = cycle(a);
    assert.equal(none.offers.length, 0);
    assert.equal(none.noOffers[0]?.reason, 'min_allocatable');
    // An empty override means anything is allocatable.
    a.addFramework(framework('any', ['r2'], [], { minAllocatable: { r2: [] } }));
    assert.equal(onlyOffer(cycle(a, 1000), 'any').agentId, 'tiny');
    // An override of cpus:2 keeps a 1-cpu agent from that framework.
    a.addFramework(framework('big', ['r3'], [], { minAllocatable: { r3: [{ cpus: 2 }] } }));
    a.addAgent({ agentId: 'small', total: res('cpus:1;mem:1024') });
    const r = cycle(a, 2000);
    assert.ok(!r.offers.some((o) => o.frameworkId === 'big'));
    assert.ok(r.offers.some((o) => o.agentId === 'small'));
  });

  it('a framework without REVOCABLE_RESOURCES never sees revocable resources', () => {
    const a = allocator();
    a.addFramework(framework('plain', ['r']));
    a.addFramework(framework('rev', ['r'], ['REVOCABLE_RESOURCES']));
    for (let i = 0; i < 4; i++) a.addAgent({ agentId: `a${i}`, total: res('cpus:2;mem:512').add(revocable('cpus:8')) });
    let revocableSeen = 0;
    for (let t = 0; t < 4; t++) {
      for (const o of cycle(a, t * 1000, t + 1).offers) {
        if (o.frameworkId === 'plain') assert.ok(o.resources.entries.every((e) => !e.isRevocable), 'plain got revocable');
        else revocableSeen += o.resources.revocable().size;
      }
    }
    assert.ok(revocableSeen > 0, 'the REVOCABLE framework does get revocable resources');
  });

  it('GPU agents are offered only to GPU_RESOURCES frameworks', () => {
    const a = allocator();
    a.addFramework(framework('cpu-only', ['r']));
    a.addAgent({ agentId: 'gpu', total: res('cpus:4;mem:1024;gpus:1') });
    const r = cycle(a);
    assert.equal(r.offers.length, 0);
    assert.equal(r.noOffers[0]?.reason, 'incapable');
    a.addFramework(framework('ml', ['r'], ['GPU_RESOURCES']));
    assert.equal(onlyOffer(cycle(a, 1000), 'ml').resources.gpus(), 1);
  });

  it('shared volumes and refined reservations need their capabilities', () => {
    const a = allocator();
    a.addFramework(framework('old', ['eng/web']));
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128').add(reservedTo(['eng', 'eng/web'], 'cpus:2')) });
    const offer = onlyOffer(cycle(a), 'old');
    assert.equal(offer.resources.cpus(), 1, 'no refined reservation without RESERVATION_REFINEMENT');
    a.addFramework(framework('new', ['eng/web'], ['RESERVATION_REFINEMENT']));
    assert.equal(onlyOffer(cycle(a, 1000), 'new').resources.cpus(), 2);
  });

  it('shared volumes go only to SHARED_RESOURCES frameworks, once per cycle', () => {
    const volume = resources(persistentVolume('v1', 100, [{ type: 'DYNAMIC', role: 'r', principal: 'ops' }], { shared: {} }));
    const plain = allocator();
    plain.addFramework(framework('plain', ['r']));
    plain.addAgent({ agentId: 'x', total: res('cpus:2;mem:256').add(volume) });
    assert.equal(onlyOffer(cycle(plain), 'plain').resources.shared().size, 0, 'no shared volume without SHARED_RESOURCES');

    // Two SHARED_RESOURCES frameworks that take anything (empty min allocatable).
    const a = allocator();
    for (const id of ['s1', 's2']) a.addFramework(framework(id, ['r'], ['SHARED_RESOURCES'], { minAllocatable: { r: [] } }));
    a.addAgent({ agentId: 'x', total: res('cpus:2;mem:256').add(volume) });
    // Cycle 1: s1 gets the agent with the volume; the volume stays available (it is shared) but
    // is not offered a second time in the same cycle.
    const r1 = cycle(a);
    assert.deepEqual(r1.offers.map((o) => [o.frameworkId, o.resources.shared().size]), [['s1', 1]]);
    // Cycle 2: while s1 still holds it, s2 is offered the same volume.
    const r2 = cycle(a, 1000);
    assert.deepEqual(r2.offers.map((o) => [o.frameworkId, o.resources.shared().size]), [['s2', 1]]);
  });

  it('the random sorters allocate too (role_sorter=random, framework_sorter=random)', () => {
    const a = allocator({ roleSorter: 'random', frameworkSorter: 'random' });
    for (let i = 0; i < 4; i++) a.addFramework(framework(`f${i}`, [`r${i % 2}`, 'shared/sub']));
    for (let i = 0; i < 20; i++) a.addAgent({ agentId: `a${i}`, total: res('cpus:1;mem:128') });
    const r = cycle(a, 0, 42);
    assert.equal(r.offers.length, 20);
    assert.ok(new Set(r.offers.map((o) => o.frameworkId)).size > 1);
  });

  it('multi-role framework gets offers per role with allocation_info', () => {
    const a = allocator();
    a.addFramework(framework('multi', ['r1', 'r2']));
    a.addAgent({ agentId: 'a1', total: res('cpus:1;mem:512') });
    a.addAgent({ agentId: 'a2', total: res('cpus:1;mem:512') });
    const offers = cycle(a).offers;
    // r1 and r2 each have share 0 at first; after one agent each is at 0.5: one offer per role.
    assert.deepEqual(offers.map((o) => o.role).sort(), ['r1', 'r2']);
    for (const o of offers) {
      assert.ok(o.resources.entries.every((e) => e.allocationRole === o.role), 'every resource carries allocation_info.role');
    }
    assert.equal(frameworkAllocation(a, 'multi').size, 2);
  });

  it('draining and deactivated agents get no new offers', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'd', total: res('cpus:1;mem:128'), draining: true });
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128'), deactivated: true });
    assert.equal(cycle(a).offers.length, 0);
    a.updateAgent('d', { draining: false });
    assert.deepEqual(cycle(a, 1000).offers.map((o) => o.agentId), ['d']);
    a.updateAgent('x', { deactivated: false });
    assert.deepEqual(cycle(a, 2000).offers.map((o) => o.agentId), ['x']);
  });

  it('inactive frameworks get nothing and say so', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']), { active: false });
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128') });
    const r = cycle(a);
    assert.equal(r.offers.length, 0);
    assert.equal(r.noOffers[0]?.reason, 'inactive');
    a.activateFramework('f');
    assert.equal(cycle(a, 1000).offers.length, 1);
  });
});
