import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourcesToLegacyJSON } from '../common/resources/index.ts';
import { agentResources, detectedDiskMb, detectedMemMb } from './resources-detect.ts';

const GiB = 1024 ** 3;

test('memory: total minus 1 GiB from 2 GiB up, half below', () => {
  assert.equal(detectedMemMb(16 * GiB), 15 * 1024);
  assert.equal(detectedMemMb(2 * GiB), 1024);
  assert.equal(detectedMemMb(1.5 * GiB), 768);
  assert.equal(detectedMemMb(512 * 1024 ** 2), 256);
});

test('disk: total minus 5 GiB from 10 GiB up, half below, 10 GiB when unknown', () => {
  assert.equal(detectedDiskMb(100 * GiB), 95 * 1024);
  assert.equal(detectedDiskMb(10 * GiB), 5 * 1024);
  assert.equal(detectedDiskMb(8 * GiB), 4 * 1024);
  assert.equal(detectedDiskMb(undefined), 10 * 1024);
});

const host = { cpus: 4, memTotalBytes: 8 * GiB, diskTotalBytes: 50 * GiB };

test('with no --resources everything is detected, ports 31000-32000', () => {
  assert.deepEqual(resourcesToLegacyJSON(agentResources(undefined, host)), {
    cpus: 4,
    disk: 45 * 1024,
    gpus: 0,
    mem: 7 * 1024,
    ports: '[31000-32000]',
  });
});

test('declared names win; only the missing ones are detected', () => {
  const r = agentResources('cpus:2;ports:[5000-5010];gpus:1', host);
  assert.deepEqual(resourcesToLegacyJSON(r), { cpus: 2, disk: 45 * 1024, gpus: 1, mem: 7 * 1024, ports: '[5000-5010]' });
});

test('a reserved declaration counts as declared; detected resources take the default role', () => {
  const r = agentResources('cpus(ops):1;mem:100;disk:10;ports:[1-2]', host, 'dev');
  assert.equal(r.cpus(), 1);
  assert.equal(r.reserved('ops').cpus(), 1);
  assert.equal(r.reserved('dev').mem(), 100);
  const all = agentResources('mem:100;disk:10;ports:[1-2]', host, 'dev');
  assert.equal(all.reserved('dev').cpus(), 4);
});

test('at least one cpu is offered even if detection says zero', () => {
  assert.equal(agentResources(undefined, { ...host, cpus: 0 }).cpus(), 1);
});

test('a malformed declaration is refused with its position', () => {
  assert.throws(() => agentResources('cpus:two', host), /invalid scalar value 'two'/);
});
