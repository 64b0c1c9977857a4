// Conformance of the scheduler endpoint's request-level errors (reference §1.4 and §2.2): status
// codes, headers and the plain-text bodies Mesos clients and operators see.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { frameworkInfo, post, startCluster, subscribe, type Cluster, type Framework } from './conformance-support.ts';

let cluster: Cluster;
let fw: Framework;
let scheduler: string;
before(async () => {
  cluster = await startCluster();
  scheduler = `${cluster.masterUrl}/api/v1/scheduler`;
  fw = await subscribe(cluster.masterUrl, frameworkInfo('conformance-errors'));
});
after(async () => {
  fw?.close();
  await cluster?.stop();
});

const SUBSCRIBE_BODY = { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo('conformance-errors-2') } };

/** A valid REVIVE (its payload is optional) for the subscribed framework. */
function revive(): unknown {
  return { framework_id: { value: fw.id }, type: 'REVIVE' };
}

test('the happy path these checks vary: REVIVE with the right stream id is 202', async () => {
  const reply = await post(scheduler, revive(), { 'Mesos-Stream-Id': fw.streamId });
  assert.equal(reply.status, 202, `reference §2.2: a valid non-SUBSCRIBE call is 202, got ${reply.status}: ${reply.text}`);
  assert.equal(reply.text, '', 'reference §0.7: 202 with an empty body');
});

test('SUBSCRIBE carrying a Mesos-Stream-Id header is 400', async () => {
  const reply = await post(scheduler, SUBSCRIBE_BODY, { 'Mesos-Stream-Id': randomUUID() });
  assert.equal(reply.status, 400, `reference §0.9/§2.2: SUBSCRIBE with Mesos-Stream-Id is 400, got ${reply.status}: ${reply.text}`);
});

test('a non-SUBSCRIBE call without Mesos-Stream-Id is 400', async () => {
  const reply = await post(scheduler, revive());
  assert.equal(reply.status, 400, `reference §0.9/§2.2: a missing stream id is 400, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /stream/i, `the 400 body says the stream id is the problem, got ${JSON.stringify(reply.text)}`);
});

test('a non-SUBSCRIBE call with another stream id is 400', async () => {
  const reply = await post(scheduler, revive(), { 'Mesos-Stream-Id': randomUUID() });
  assert.equal(reply.status, 400, `reference §2.2: a stream id different from the current stream is 400, got ${reply.status}: ${reply.text}`);
});

test('an unknown framework id is 400 "Framework cannot be found"', async () => {
  const reply = await post(scheduler, { framework_id: { value: `${randomUUID()}-0000` }, type: 'REVIVE' }, { 'Mesos-Stream-Id': randomUUID() });
  assert.equal(reply.status, 400, `reference §2.2 (DOC-ERRATUM, the docs say 403): an unknown framework id is 400, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /framework cannot be found/i, `reference §2.2: body "Framework cannot be found", got ${JSON.stringify(reply.text)}`);
});

test('malformed JSON is 400 "Failed to parse body into JSON: ..."', async () => {
  const reply = await post(scheduler, '{"type":"SUBSCRIBE",', {});
  assert.equal(reply.status, 400, `reference §1.4: bad JSON is 400, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /^Failed to parse body into JSON/, `reference §1.4: body starts "Failed to parse body into JSON: ", got ${JSON.stringify(reply.text)}`);
});

test('a wrong type at a nested field is 400 naming the field', async () => {
  const body = {
    framework_id: { value: fw.id },
    type: 'DECLINE',
    decline: { offer_ids: [{ value: 'o-1' }], filters: { refuse_seconds: 'soon' } },
  };
  const reply = await post(scheduler, body, { 'Mesos-Stream-Id': fw.streamId });
  assert.equal(reply.status, 400, `reference §1.4: a JSON-to-proto failure is 400, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /^Failed to convert JSON into Call protobuf/, `reference §1.4: body starts "Failed to convert JSON into Call protobuf: ", got ${JSON.stringify(reply.text)}`);
  assert.match(reply.text, /refuse_seconds/, `the 400 body names the offending field (decline.filters.refuse_seconds), got ${JSON.stringify(reply.text)}`);
});

test('a call missing its required payload is 400 "Failed to validate scheduler::Call: ..."', async () => {
  const reply = await post(scheduler, { framework_id: { value: fw.id }, type: 'DECLINE' }, { 'Mesos-Stream-Id': fw.streamId });
  assert.equal(reply.status, 400, `reference §2.3: DECLINE needs its decline payload; 400, got ${reply.status}: ${reply.text}`);
  assert.match(reply.text, /^Failed to validate scheduler::Call/, `reference §1.4: body starts "Failed to validate scheduler::Call: ", got ${JSON.stringify(reply.text)}`);
});

test('a missing Content-Type is 400 "Expecting \'Content-Type\' to be present"', async () => {
  // A Uint8Array body keeps fetch from adding `text/plain` on its own.
  const res = await fetch(scheduler, { method: 'POST', body: new TextEncoder().encode(JSON.stringify(SUBSCRIBE_BODY)) });
  const text = await res.text();
  assert.equal(res.status, 400, `reference §1.4: a missing Content-Type is 400, got ${res.status}: ${text}`);
  assert.match(text, /Expecting 'Content-Type' to be present/, `reference §1.4: the body says "Expecting 'Content-Type' to be present", got ${JSON.stringify(text)}`);
});

test('an unsupported Content-Type is 415', async () => {
  const reply = await post(scheduler, JSON.stringify(SUBSCRIBE_BODY), { 'Content-Type': 'text/plain' });
  assert.equal(reply.status, 415, `reference §1.4: a Content-Type other than json/protobuf is 415, got ${reply.status}: ${reply.text}`);
});

test('Content-Type application/x-protobuf is 415 (Agora speaks JSON only)', async () => {
  // NOTE: upstream Mesos accepts protobuf bodies; Agora is JSON-only by design, so it must say so
  // with 415 rather than misparse the bytes.
  const reply = await post(scheduler, new TextDecoder().decode(new Uint8Array([0x08, 0x01])), { 'Content-Type': 'application/x-protobuf' });
  assert.equal(reply.status, 415, `protobuf bodies are not supported by Agora: 415, got ${reply.status}: ${reply.text}`);
});

test('GET is 405 with Allow: POST', async () => {
  const res = await fetch(scheduler);
  await res.text();
  assert.equal(res.status, 405, `reference §1.4: only POST is allowed, 405, got ${res.status}`);
  assert.equal(res.headers.get('allow'), 'POST', 'reference §1.4: the 405 carries Allow: POST');
});

test('SUBSCRIBE with Accept: text/html is 406', async () => {
  const reply = await post(scheduler, SUBSCRIBE_BODY, { Accept: 'text/html' });
  assert.equal(reply.status, 406, `reference §1.4/§2.2: SUBSCRIBE with an unacceptable Accept is 406, got ${reply.status}: ${reply.text}`);
});

test('SUBSCRIBE without Accept is answered in JSON', async () => {
  const abort = new AbortController();
  try {
    const res = await fetch(scheduler, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(SUBSCRIBE_BODY),
      signal: abort.signal,
    });
    assert.equal(res.status, 200, `reference §0.3: a request without Accept is accepted, got ${res.status}`);
    assert.equal(res.headers.get('content-type'), 'application/json', 'reference §0.3: a missing Accept means JSON');
  } finally {
    abort.abort();
  }
});

test('null sub-messages and unknown keys are accepted', async () => {
  const body = { framework_id: { value: fw.id }, type: 'REVIVE', revive: null, accept: null, kill: null, an_unknown_key: { x: 1 } };
  const reply = await post(scheduler, body, { 'Mesos-Stream-Id': fw.streamId });
  assert.equal(reply.status, 202, `reference §0.2: null means absent and unknown keys are ignored; expected 202, got ${reply.status}: ${reply.text}`);
});

test('a chunked request body without Content-Length is accepted', async () => {
  const bytes = new TextEncoder().encode(JSON.stringify(revive()));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 10));
      controller.enqueue(bytes.subarray(10));
      controller.close();
    },
  });
  const res = await fetch(scheduler, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': fw.streamId },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  assert.equal(res.status, 202, `reference §0.3: Transfer-Encoding: chunked bodies must be accepted; expected 202, got ${res.status}: ${text}`);
});
