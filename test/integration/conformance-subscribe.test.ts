// Conformance of the scheduler SUBSCRIBE stream and OFFERS against
// shared/reference/mesos-http-api.md §0, §1.3, §2.1, §2.4, §2.5 and §3, on real processes and
// the raw wire (fetch + RecordIO, and a plain TCP socket for chunk boundaries).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rawPost, splitRecords } from './conformance-raw-http.ts';
import {
  FRAMEWORK_ID_RE,
  UUID_RE,
  frameworkInfo,
  offersOf,
  startCluster,
  subscribe,
  type Cluster,
  type Json,
} from './conformance-support.ts';

let cluster: Cluster;
/** The SUBSCRIBED payload seen by the first test, checked field by field by the second. */
let subscribedBody: Json | undefined;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

/** 127.0.0.1 in network byte order read as a little-endian host integer (MESOS-1201). */
const LOOPBACK_AS_UINT32 = 0x0100007f;
const MASTER_CAPABILITIES = ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'];

test('SUBSCRIBE answers 200, Content-Type application/json and a UUID Mesos-Stream-Id, then SUBSCRIBED and an immediate HEARTBEAT', async () => {
  const fw = await subscribe(cluster.masterUrl, frameworkInfo('conformance-subscribe'));
  try {
    assert.equal(fw.status, 200, 'reference §0.7: SUBSCRIBE answers 200 OK');
    assert.equal(fw.headers.get('content-type'), 'application/json', 'reference §1.3: the stream Content-Type is the record type, application/json');
    assert.match(fw.streamId, UUID_RE, 'reference §1.5: Mesos-Stream-Id is a UUID string');

    const subscribed = fw.events.received[0]!;
    assert.equal(subscribed.type, 'SUBSCRIBED', 'reference §2.1: the first record is SUBSCRIBED');
    const body = subscribed.subscribed as Json;
    subscribedBody = body;
    assert.match((body.framework_id as Json).value as string, FRAMEWORK_ID_RE, 'reference §1.5: framework_id is {"value":"<masterId>-<4 digits>"}');
    assert.equal(body.heartbeat_interval_seconds, 15, 'reference §2.1: heartbeat_interval_seconds is 15');

    // The HEARTBEAT follows SUBSCRIBED at once; offers may interleave after it, not before.
    const second = await fw.events.next(() => true, 2_000, 'the record after SUBSCRIBED');
    assert.deepEqual(second, { type: 'HEARTBEAT' }, 'reference §2.1: a HEARTBEAT goes out right after SUBSCRIBED');
  } finally {
    fw.close();
  }
});

test('SUBSCRIBED.master_info: id, ip as uint32, port, pid, hostname, version, address and capabilities', () => {
  assert.ok(subscribedBody, 'needs the SUBSCRIBED of the previous test');
  const body = subscribedBody;
    const info = body.master_info as Json;
    assert.ok(info, 'reference §2.4: SUBSCRIBED carries master_info');
    assert.match(info.id as string, UUID_RE, 'reference §1.5: the master id is a UUID');
    assert.ok((body.framework_id as Json).value === `${info.id as string}-0000` || ((body.framework_id as Json).value as string).startsWith(`${info.id as string}-`), 'reference §1.5: framework ids are prefixed with the master id');
    assert.equal(info.ip, LOOPBACK_AS_UINT32, 'reference §3 MasterInfo: ip is a uint32 in network byte order (127.0.0.1 -> 16777343)');
    assert.equal(info.port, cluster.masterPort, 'MasterInfo.port is the port the master listens on');
    assert.equal(info.pid, `master@127.0.0.1:${cluster.masterPort}`, 'reference §3 MasterInfo: pid is master@ip:port');
    assert.equal(typeof info.hostname, 'string', 'MasterInfo.hostname is a string');
    assert.match(info.version as string, /^\d+\.\d+\.\d+/, 'MasterInfo.version is a version string');
    const address = info.address as Json;
    assert.ok(address, 'reference §3 MasterInfo: address is set');
    assert.equal(address.ip, '127.0.0.1', 'MasterInfo.address.ip is the dotted address');
    assert.equal(address.port, cluster.masterPort, 'MasterInfo.address.port is the master port');
    assert.equal(typeof address.hostname, 'string', 'MasterInfo.address.hostname is a string');
    const caps = info.capabilities as Json[] | undefined;
    assert.ok(Array.isArray(caps) && caps.length > 0, `reference §2.5/§3: master_info.capabilities lists the master's capabilities (AGENT_UPDATE, AGENT_DRAINING, QUOTA_V2), got ${JSON.stringify(caps)}`);
    for (const c of caps) assert.ok(MASTER_CAPABILITIES.includes(c.type as string), `reference §3: MasterInfo capability ${JSON.stringify(c)} must be one of ${MASTER_CAPABILITIES.join(', ')}`);

});

test('RecordIO framing on the wire: one record per HTTP chunk, byte lengths, no trailing newline', async () => {
  // A non-ASCII framework name changes nothing in SUBSCRIBED, but the byte-count rule is checked
  // on every record we see here, and again with non-ASCII payloads in the operator suite.
  const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo('conformance-framing-é✓') } });
  const res = await rawPost(cluster.masterPort, '/api/v1/scheduler', body);
  try {
    assert.match(res.statusLine, /^HTTP\/1\.1 200 /, 'reference §2.1: SUBSCRIBE answers 200 OK');
    assert.equal(res.headers.get('transfer-encoding'), 'chunked', 'reference §2.1: the stream uses Transfer-Encoding: chunked');
    assert.equal(res.headers.get('content-type'), 'application/json', 'reference §1.3: Content-Type is application/json');
    const chunks = await res.chunks(2);
    for (const [i, chunk] of chunks.entries()) {
      const records = splitRecords(chunk);
      assert.equal(records.length, 1, `reference §0.4/§1.3: chunk ${i} must hold exactly one whole record, got ${JSON.stringify(chunk.toString('utf8'))}`);
      const [record] = records;
      assert.equal(record!.declared, record!.body.length, 'reference §1.3: the length counts bytes');
      assert.doesNotThrow(() => JSON.parse(record!.body.toString('utf8')), `record ${i} is one JSON document`);
      assert.notEqual(record!.body.at(-1), 0x0a, 'reference §1.3: no newline after the record data');
    }
    assert.equal(JSON.parse(splitRecords(chunks[0]!)[0]!.body.toString('utf8')).type, 'SUBSCRIBED');
    assert.equal(chunks[1]!.toString('utf8'), '20\n{"type":"HEARTBEAT"}', 'reference §1.3/§2.5: the heartbeat record is exactly `20\\n{"type":"HEARTBEAT"}`');
  } finally {
    res.close();
  }
});

function checkOfferEnvelope(event: Json, frameworkId: string): Json[] {
  assert.equal(event.type, 'OFFERS');
  assert.ok(!Array.isArray(event.offers), 'reference §0.5 DOC-ERRATUM: OFFERS is {"offers":{"offers":[...]}}, not "offers":[...]');
  const offers = offersOf(event);
  assert.ok(Array.isArray(offers) && offers.length > 0, 'reference §0.5: offers.offers is a non-empty array');
  for (const offer of offers) {
    assert.match((offer.id as Json).value as string, /-O\d+$/, 'reference §1.5: OfferID is {"value":"<masterId>-O<n>"}');
    assert.deepEqual(offer.framework_id, { value: frameworkId }, 'Offer.framework_id is the subscriber');
    assert.match((offer.agent_id as Json).value as string, /-S\d+$/, 'reference §1.5: AgentID is {"value":"<masterId>-S<n>"}');
    assert.equal(typeof offer.hostname, 'string', 'Offer.hostname is set');
  }
  return offers;
}

test('OFFERS (pre-refinement): nested offers, url of the agent, role "*" and allocation_info on every resource', async () => {
  const fw = await subscribe(cluster.masterUrl, frameworkInfo('conformance-offers-pre'));
  try {
    const offers = checkOfferEnvelope(await fw.events.nextOfType('OFFERS'), fw.id);
    const offer = offers[0]!;
    assert.deepEqual(offer.agent_id, { value: cluster.agentId }, 'the offer is for the one registered agent');
    const url = offer.url as Json | undefined;
    assert.ok(url, 'reference §0.6: the master always sets Offer.url');
    const urlAddress = url.address as Json;
    assert.equal(typeof urlAddress?.hostname, 'string', 'reference §0.6: Offer.url.address.hostname is set');
    assert.deepEqual(
      { ...url, address: { ...urlAddress, hostname: '<any>' } },
      { scheme: 'http', address: { hostname: '<any>', ip: '127.0.0.1', port: cluster.agentPort }, path: '/slave(1)' },
      'reference §0.6: Offer.url is {scheme:"http", address:{hostname, ip, port}, path:"/slave(1)"}',
    );
    assert.deepEqual(offer.allocation_info, { role: '*' }, 'reference §2.4: the offer carries allocation_info {role}');

    const resources = offer.resources as Json[];
    const names = resources.map((r) => r.name).sort();
    assert.deepEqual(names, ['cpus', 'disk', 'mem', 'ports'], 'the whole agent (--resources) is offered to the only framework');
    for (const r of resources) {
      assert.equal(r.role, '*', `reference §3/§0.12: pre-refinement resources carry role "*" (${r.name as string})`);
      assert.deepEqual(r.allocation_info, { role: '*' }, `reference §2.4: every offered resource carries the offer's allocation_info (${r.name as string})`);
      assert.equal(r.reservations, undefined, `reference §3: pre-refinement resources have no reservations field (${r.name as string})`);
    }
    const byName = new Map(resources.map((r) => [r.name as string, r]));
    assert.deepEqual(byName.get('cpus')?.scalar, { value: 2 }, 'cpus:2 as a SCALAR');
    assert.equal(byName.get('cpus')?.type, 'SCALAR');
    assert.deepEqual(byName.get('mem')?.scalar, { value: 2048 }, 'mem:2048 as a SCALAR');
    assert.deepEqual(byName.get('disk')?.scalar, { value: 1024 }, 'disk:1024 as a SCALAR');
    assert.equal(byName.get('ports')?.type, 'RANGES', 'ports as RANGES');
    assert.deepEqual(byName.get('ports')?.ranges, { range: [{ begin: 31000, end: 31100 }] }, 'ports {ranges:{range:[{begin,end}]}}');
  } finally {
    fw.close();
  }
});

test('OFFERS (post-refinement): a RESERVATION_REFINEMENT framework gets resources without role', async () => {
  const fw = await subscribe(cluster.masterUrl, frameworkInfo('conformance-offers-post', ['RESERVATION_REFINEMENT']));
  try {
    const offers = checkOfferEnvelope(await fw.events.nextOfType('OFFERS'), fw.id);
    const offer = offers[0]!;
    assert.deepEqual(offer.allocation_info, { role: '*' }, 'reference §2.4: the offer carries allocation_info {role}');
    for (const r of offer.resources as Json[]) {
      assert.equal(r.role, undefined, `reference §3/§0.12: post-refinement resources have no role (${r.name as string}: ${JSON.stringify(r)})`);
      assert.equal(r.reservations, undefined, `reference §3: unreserved resources have no reservations (${r.name as string})`);
      assert.deepEqual(r.allocation_info, { role: '*' }, `reference §2.4: every resource carries allocation_info (${r.name as string})`);
    }
  } finally {
    fw.close();
  }
});
