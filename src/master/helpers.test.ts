// Unit tests of the master's small pure helpers: flags, MasterInfo, checkpointed resources and
// operation conversions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResources, resourcesFromWire } from '../common/resources/index.ts';
import { applyCheckpointed, configuredForm, withoutPersistence } from './agent-resources.ts';
import { masterOptionsFromFlags, parseMasterFlags, parseMinAllocatable, parseWeights, toLogLevel } from './flags.ts';
import { buildMasterInfo, packIpv4 } from './master-info.ts';
import { conversionOf } from './operations.ts';

test('flags: Mesos names, AGORA_ and MESOS_ environment, defaults', () => {
  const flags = parseMasterFlags(['--port=0', '--work_dir=/tmp/w', '--offer_timeout=0secs', '--weights=eng=2,ops=0.5'], { AGORA_ALLOCATION_INTERVAL: '250ms', MESOS_CLUSTER: 'c1' });
  const o = masterOptionsFromFlags(flags);
  assert.equal(o.port, 0);
  assert.equal(o.offerTimeoutMs, 0);
  assert.equal(o.allocationIntervalMs, 250);
  assert.equal(o.cluster, 'c1');
  assert.equal(o.agentPingTimeoutMs, 15_000);
  assert.equal(o.maxAgentPingTimeouts, 5);
  assert.equal(o.maxCompletedFrameworks, 50);
  assert.deepEqual(o.weights, [{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0.5 }]);
  assert.deepEqual(o.minAllocatable, [{ cpus: 0.01 }, { mem: 32 }]);
  assert.throws(() => parseMasterFlags(['--bogus=1'], {}), /unknown flag/);
  assert.throws(() => parseWeights('eng'), /role=weight/);
  assert.throws(() => masterOptionsFromFlags(parseMasterFlags(['--max_agent_ping_timeouts=0'], {})), /at least 1/);
  assert.equal(o.registryKind, 'sqlite');
  assert.equal(o.agentReregisterTimeoutMs, 600_000);
  assert.throws(() => masterOptionsFromFlags(parseMasterFlags([], {})), /--work_dir is required with --registry=sqlite/);
  assert.equal(masterOptionsFromFlags(parseMasterFlags(['--registry=in_memory'], {})).registryKind, 'in_memory');
});

test('min allocatable: | separates alternatives, ; joins quantities', () => {
  assert.deepEqual(parseMinAllocatable('cpus:1;mem:64|disk:10'), [{ cpus: 1, mem: 64 }, { disk: 10 }]);
  assert.throws(() => parseMinAllocatable('cpus'), /name:quantity/);
});

test('logging levels: Mesos names and pino names', () => {
  assert.equal(toLogLevel('INFO'), 'info');
  assert.equal(toLogLevel('WARNING'), 'warn');
  assert.equal(toLogLevel('debug'), 'debug');
  assert.throws(() => toLogLevel('LOUD'), /logging_level/);
});

test('MasterInfo packs the IPv4 address in network order read as a host integer', () => {
  assert.equal(packIpv4('10.0.0.5'), 83886090);
  assert.equal(packIpv4('127.0.0.1'), 16777343);
  const info = buildMasterInfo({ id: 'm', ip: '10.0.0.5', port: 5050, hostname: 'm1' });
  assert.equal(info.pid, 'master@10.0.0.5:5050');
  assert.deepEqual(info.address, { hostname: 'm1', ip: '10.0.0.5', port: 5050 });
});

const reservedCpus = resourcesFromWire([
  { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }] },
]);
const volume = resourcesFromWire([
  {
    name: 'disk',
    type: 'SCALAR',
    scalar: { value: 100 },
    reservations: [{ type: 'DYNAMIC', role: 'eng' }],
    disk: { persistence: { id: 'v1' }, volume: { mode: 'RW', container_path: 'data' } },
  },
]);

test('an agent total is its configured resources with the checkpointed ones applied', () => {
  const configured = parseResources('cpus:4;mem:1024;disk:1000');
  const total = applyCheckpointed(configured, reservedCpus.add(volume));
  assert.notEqual(typeof total, 'string', String(total));
  if (typeof total === 'string') return;
  assert.equal(total.unreserved().cpus(), 3);
  assert.equal(total.reserved('eng').cpus(), 1);
  assert.equal(total.persistentVolumes().disk(), 100);
  assert.equal(total.unreserved().disk(), 900);
  assert.ok(configuredForm(volume).equals(parseResources('disk:100')));
  assert.match(applyCheckpointed(parseResources('cpus:0.5'), reservedCpus) as string, /not part of the agent/);
});

test('operation conversions: RESERVE pops to unreserved, CREATE strips persistence, errors name the problem', () => {
  const wireReserved = { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, role: 'eng', reservation: { principal: 'p' } };
  const reserve = conversionOf({ type: 'RESERVE', reserve: { resources: [wireReserved] } }, 'eng', 'p');
  assert.ok(typeof reserve !== 'string');
  if (typeof reserve === 'string') return;
  assert.ok(reserve.consumed.equals(parseResources('cpus:1').allocate('eng')));
  assert.ok(reserve.converted.equals(reservedCpus.allocate('eng')));
  assert.match(conversionOf({ type: 'RESERVE', reserve: { resources: [wireReserved] } }, 'ops', 'p') as string, /does not match the allocation role/);
  assert.match(conversionOf({ type: 'RESERVE', reserve: { resources: [wireReserved] } }, 'eng', 'q') as string, /principal 'q'/);
  assert.match(conversionOf({ type: 'UNRESERVE', unreserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] } }, '*', undefined) as string, /not dynamically reserved/);
  assert.ok(withoutPersistence(volume).persistentVolumes().isEmpty());
  assert.match(conversionOf({ type: 'GROW_VOLUME' }, '*', undefined) as string, /not supported/);
});
