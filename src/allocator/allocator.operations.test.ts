// Events other than allocation: operations on offered and on free resources, agents and
// frameworks coming and going, role changes, validation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, InvariantError } from '../common/errors.ts';
import { agentView, filterCount, frameworkAllocation, roleView } from './inspect.ts';
import { persistentVolume, resources } from '../common/resources/testing.ts';
import { allocator, cycle, framework, onlyOffer, res, reservedTo } from './testing.ts';

describe('HierarchicalAllocator operations', () => {
  it('updateAllocation: RESERVE then UNRESERVE on offered resources', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024') });
    const offer = onlyOffer(cycle(a), 'f');
    const unreserved = res('cpus:2;mem:512').allocate('r');
    const reserved = reservedTo('r', 'cpus:2;mem:512').allocate('r');
    assert.deepEqual(a.updateAllocation('f', 'x', unreserved, [{ consumed: unreserved, converted: reserved }]), { ok: true });
    const view = agentView(a, 'x')!;
    assert.equal(view.total.reserved('r').cpus(), 2, 'the agent total now has the reservation');
    assert.ok(view.allocated.get('f')!.get('r')!.contains(reserved));
    assert.equal(roleView(a, 'r')!.reserved.cpus, 2);
    // Declining gives the reservation back to the role: only role r may get it.
    a.recoverResources('f', 'x', offer.resources.subtract(unreserved).add(reserved));
    a.addFramework(framework('g', ['other']));
    const again = cycle(a, 1000);
    for (const o of again.offers) if (o.frameworkId === 'g') assert.equal(o.resources.reserved().size, 0);
    // UNRESERVE: back to unreserved.
    const held = frameworkAllocation(a, 'f').get('x')?.get('r');
    assert.ok(held !== undefined && held.contains(reserved));
    assert.deepEqual(a.updateAllocation('f', 'x', reserved, [{ consumed: reserved, converted: unreserved }]), { ok: true });
    assert.equal(agentView(a, 'x')!.total.reserved().size, 0);
    assert.equal(roleView(a, 'r')?.reserved.cpus, undefined);
  });

  it('updateAllocation: CREATE then DESTROY a persistent volume', () => {
    const a = allocator();
    a.addFramework(framework('db', ['db']));
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128').add(reservedTo('db', 'disk:100')) });
    const offer = onlyOffer(cycle(a), 'db');
    const disk = reservedTo('db', 'disk:100').allocate('db');
    const volume = resources(persistentVolume('pv', 100, [{ type: 'DYNAMIC', role: 'db', principal: 'ops' }])).allocate('db');
    assert.deepEqual(a.updateAllocation('db', 'x', disk, [{ consumed: disk, converted: volume }]), { ok: true });
    assert.equal(agentView(a, 'x')!.total.persistentVolumes().size, 1);
    // The volume comes back with the rest and is offered to its role again.
    a.recoverResources('db', 'x', offer.resources.subtract(disk).add(volume));
    assert.equal(onlyOffer(cycle(a, 1000), 'db').resources.persistentVolumes().size, 1);
    const held = frameworkAllocation(a, 'db').get('x')!.get('db')!;
    assert.deepEqual(a.updateAllocation('db', 'x', volume, [{ consumed: volume, converted: disk }]), { ok: true });
    assert.equal(agentView(a, 'x')!.total.persistentVolumes().size, 0);
    assert.ok(held.contains(volume));
  });

  it('updateAllocation: a shared volume created by one framework is offered to another (Mesos AllocateSharedResources)', () => {
    const a = allocator();
    for (const id of ['f1', 'f2']) a.addFramework(framework(id, ['r'], ['SHARED_RESOURCES']));
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024').add(reservedTo('r', 'disk:100')) });
    const offer = onlyOffer(cycle(a), 'f1');
    const disk = reservedTo('r', 'disk:5').allocate('r');
    const volume = resources(persistentVolume('id1', 5, [{ type: 'DYNAMIC', role: 'r', principal: 'ops' }], { shared: {} })).allocate('r');
    assert.deepEqual(a.updateAllocation('f1', 'x', disk, [{ consumed: disk, converted: volume }]), { ok: true });
    // f1 keeps a task with cpus:1;mem:5 and the volume, and gives back the rest.
    const kept = res('cpus:1;mem:5').allocate('r').add(volume);
    a.recoverResources('f1', 'x', offer.resources.subtract(disk).add(volume).subtract(kept));
    const next = onlyOffer(cycle(a, 1000), 'f2');
    assert.equal(next.resources.shared().size, 1, 'the volume in use is offered to f2 too');
    assert.equal(next.resources.cpus(), 3);
  });

  it('updateAllocation refuses what the framework does not hold', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128') });
    const r = a.updateAllocation('f', 'x', res('cpus:1').allocate('r'), []);
    assert.equal(r.ok, false);
    assert.equal(a.updateAllocation('nope', 'x', res('cpus:1').allocate('r'), []).ok, false);
  });

  it('updateAvailable: an operator reservation on free resources goes to its role', () => {
    const a = allocator();
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024') });
    const plain = res('cpus:3;mem:512');
    assert.deepEqual(a.updateAvailable('x', [{ consumed: plain, converted: reservedTo('ops', 'cpus:3;mem:512') }]), { ok: true });
    assert.equal(a.updateAvailable('x', [{ consumed: res('cpus:5'), converted: res('cpus:5') }]).ok, false);
    a.addFramework(framework('dev', ['dev']));
    assert.equal(onlyOffer(cycle(a), 'dev').resources.cpus(), 1);
    a.addFramework(framework('ops', ['ops']));
    assert.equal(onlyOffer(cycle(a, 1000), 'ops').resources.cpus(), 3);
  });

  it('removeFramework gives everything back to the agents', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'x', total: res('cpus:2;mem:256') });
    cycle(a);
    a.removeFramework('f');
    assert.ok(agentView(a, 'x')!.available.equals(res('cpus:2;mem:256')));
    assert.equal(roleView(a, 'r'), undefined, 'the implicit role is gone');
    a.recoverResources('f', 'x', res('cpus:1').allocate('r'));
  });

  it('removeAgent drops its allocations and its filters', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'x', total: res('cpus:2;mem:256') });
    const offer = onlyOffer(cycle(a), 'f');
    a.declineWithFilters('f', 'x', offer.resources, 60, 0);
    assert.equal(filterCount(a), 1);
    a.removeAgent('x');
    assert.equal(filterCount(a), 0);
    assert.equal(frameworkAllocation(a, 'f').size, 0);
    assert.equal(roleView(a, 'r')!.allocatedUnreserved.cpus, undefined);
  });

  it('updateAgent with a new total recomputes what is free and clears its filters', () => {
    const a = allocator();
    a.addFramework(framework('f', ['r']));
    a.addAgent({ agentId: 'x', total: res('cpus:2;mem:256') });
    const offer = onlyOffer(cycle(a), 'f');
    a.declineWithFilters('f', 'x', offer.resources, 60, 0);
    a.updateAgent('x', { total: res('cpus:8;mem:1024') });
    assert.equal(filterCount(a), 0);
    assert.equal(onlyOffer(cycle(a, 1000), 'f').resources.cpus(), 8);
  });

  it('used resources of frameworks that register later are adopted', () => {
    const a = allocator();
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024'), used: new Map([['late', res('cpus:1;mem:256').allocate('r')]]) });
    assert.equal(agentView(a, 'x')!.available.cpus(), 3);
    a.addFramework(framework('late', ['r']));
    assert.equal(roleView(a, 'r')!.allocatedUnreserved.cpus, 1);
    a.recoverResources('late', 'x', res('cpus:1;mem:256').allocate('r'));
    assert.equal(agentView(a, 'x')!.available.cpus(), 4);
  });

  it('addFramework with used resources (master failover)', () => {
    const a = allocator();
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024') });
    a.addFramework(framework('f', ['r']), { used: new Map([['x', res('cpus:2;mem:512').allocate('r')]]) });
    assert.equal(agentView(a, 'x')!.available.cpus(), 2);
    assert.equal(frameworkAllocation(a, 'f').get('x')!.get('r')!.cpus(), 2);
  });

  it('updateFramework: a removed role stays tracked while the framework holds resources in it', () => {
    const a = allocator();
    a.addFramework(framework('f', ['old']));
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128') });
    const offer = onlyOffer(cycle(a), 'f');
    a.updateFramework(framework('f', ['new']));
    assert.ok(roleView(a, 'old')!.frameworks.includes('f'));
    a.addAgent({ agentId: 'y', total: res('cpus:1;mem:128') });
    assert.equal(onlyOffer(cycle(a, 1000), 'f').role, 'new');
    a.recoverResources('f', 'x', offer.resources);
    assert.equal(roleView(a, 'old'), undefined);
  });

  it('validates its input and treats caller bugs as invariant errors', () => {
    const a = allocator();
    assert.throws(() => a.updateQuota('a', { guarantees: { cpus: 2 }, limits: { cpus: 1 } }), InvalidArgumentError);
    assert.throws(() => a.updateQuota('bad role', { limits: { cpus: 1 } }), InvalidArgumentError);
    assert.throws(() => a.updateQuota('*', { limits: { cpus: 1 } }), InvalidArgumentError);
    assert.throws(() => a.updateWeights([{ role: 'a', weight: 0 }]), InvalidArgumentError);
    assert.throws(() => a.addFramework(framework('f', ['/bad'])), InvalidArgumentError);
    a.addFramework(framework('f', ['r']));
    assert.throws(() => a.addFramework(framework('f', ['r'])), InvalidArgumentError);
    a.addAgent({ agentId: 'x', total: res('cpus:1;mem:128') });
    assert.throws(() => a.recoverResources('f', 'x', res('cpus:1').allocate('r')), InvariantError);
    assert.throws(() => a.recoverResources('f', 'x', res('cpus:1')), InvariantError);
    // Unknown frameworks and agents: nothing to do, as in Mesos.
    a.recoverResources('ghost', 'x', res('cpus:1').allocate('r'));
  });

  it('quota removal: empty guarantees and limits reset a role', () => {
    const a = allocator();
    a.updateQuota('q', { limits: { cpus: 1 } });
    a.addFramework(framework('f', ['q']));
    a.addAgent({ agentId: 'x', total: res('cpus:4;mem:1024') });
    assert.equal(onlyOffer(cycle(a), 'f').resources.cpus(), 1);
    a.updateQuota('q', {});
    a.addAgent({ agentId: 'y', total: res('cpus:4;mem:1024') });
    const r = cycle(a, 1000);
    assert.equal(r.offers.reduce((n, o) => n + (o.resources.cpus() ?? 0), 0), 7);
  });
});
