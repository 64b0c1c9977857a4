// The Mesos-JSON rules of the codec: what input it tolerates, what it rejects (with which field
// path), and what it writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decode,
  decodeJson,
  encode,
  encodeJson,
  formatDecodeErrors,
  MAX_DECODE_ERRORS,
  withDefaults,
} from './codec.ts';
import type { DecodeResult } from './codec.ts';
import { decodeSchedulerCall } from './api.ts';
import { CommandInfo } from './v1/command.ts';
import { FrameworkInfo } from './v1/framework.ts';
import { HealthCheck } from './v1/health.ts';
import { AgentInfo, MasterInfo } from './v1/master-info.ts';
import { Filters } from './v1/offer.ts';
import { Resource } from './v1/resources.ts';
import { MasterResponse } from './v1/operator-master.ts';
import { SchedulerCall, SchedulerEvent } from './v1/scheduler.ts';
import { TaskInfo, TaskStatus } from './v1/task.ts';
import { ContainerID } from './v1/values.ts';
import { CapabilityInfo, ContainerInfo } from './v1/container.ts';

function errorsOf(result: DecodeResult<unknown>): string[] {
  assert.equal(result.ok, false, 'expected the decode to fail');
  return result.ok ? [] : result.errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`));
}

function valueOf<T>(result: DecodeResult<T>): T {
  assert.ok(result.ok, result.ok ? '' : formatDecodeErrors(result.errors));
  return result.value;
}

const FW = { value: 'f-0000' };
const AGENT = { value: 'f-S0' };

function launchWithResources(resources: unknown[]): unknown {
  const task = (n: number, res: unknown[]) => ({
    name: `t${n}`,
    task_id: { value: `t${n}` },
    agent_id: AGENT,
    resources: res,
    command: { value: 'true' },
  });
  const cpus = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } };
  return {
    type: 'ACCEPT',
    framework_id: FW,
    accept: {
      offer_ids: [{ value: 'o1' }],
      operations: [
        { type: 'LAUNCH', launch: { task_infos: [task(0, [cpus]), task(1, [cpus]), task(2, resources)] } },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors name the full field path.

void test('a wrong type deep inside a call names the whole path', () => {
  const input = launchWithResources([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 'lots' } },
  ]);
  assert.deepEqual(errorsOf(decode(SchedulerCall, input)), [
    'accept.operations[0].launch.task_infos[2].resources[1].scalar.value: expected number, got string',
  ]);
});

void test('a missing required field is reported with its path', () => {
  const input = { type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'demo' } } };
  assert.deepEqual(errorsOf(decode(SchedulerCall, input)), [
    'subscribe.framework_info.user: missing required field',
  ]);
});

void test('an unknown enum name on a required field is an error', () => {
  const input = {
    type: 'UPDATE',
    update: { status: { task_id: { value: 't' }, state: 'TASK_EXPLODED' } },
  };
  assert.deepEqual(errorsOf(decode(SchedulerEvent, input)), [
    "update.status.state: unknown enum value 'TASK_EXPLODED'",
  ]);
});

void test('an enum given as a number is an error, even on an optional field', () => {
  const status = { task_id: { value: 't' }, state: 1, source: 2 };
  assert.deepEqual(errorsOf(decode(TaskStatus, status)), [
    'state: expected enum name, got number',
    'source: expected enum name, got number',
  ]);
});

void test('an unknown call type is reported on the type field', () => {
  assert.deepEqual(errorsOf(decode(SchedulerCall, { type: 'LAUNCH_ROCKETS' })), [
    "type: unknown enum value 'LAUNCH_ROCKETS'",
  ]);
  assert.deepEqual(errorsOf(decode(SchedulerCall, {})), ['type: missing required field']);
});

void test('camelCase keys are ignored, so a required snake_case field is then missing', () => {
  const subscribe = {
    type: 'SUBSCRIBE',
    subscribe: { frameworkInfo: { user: 'root', name: 'demo' } },
  };
  assert.deepEqual(errorsOf(decode(SchedulerCall, subscribe)), [
    'subscribe.framework_info: missing required field',
  ]);

  const kill = { type: 'KILL', frameworkId: FW, kill: { taskId: { value: 't' }, agentId: AGENT } };
  assert.deepEqual(errorsOf(decode(SchedulerCall, kill)), ['kill.task_id: missing required field']);

  // The optional camelCase field is silently lost, as with Mesos.
  const info = valueOf(decode(FrameworkInfo, { user: 'u', name: 'n', failoverTimeout: 60, webuiUrl: 'x' }));
  assert.equal(info.failover_timeout, 0);
  assert.equal(info.webui_url, undefined);
});

void test('bytes must be standard padded base64', () => {
  const message = (data: unknown) => ({
    type: 'MESSAGE',
    framework_id: FW,
    message: { agent_id: AGENT, executor_id: { value: 'e' }, data },
  });
  assert.deepEqual(errorsOf(decode(SchedulerCall, message('not base64!'))), ['message.data: invalid base64']);
  assert.deepEqual(errorsOf(decode(SchedulerCall, message('aGk'))), ['message.data: invalid base64']);
  assert.deepEqual(errorsOf(decode(SchedulerCall, message('aGk_'))), ['message.data: invalid base64']);
  assert.deepEqual(errorsOf(decode(SchedulerCall, message(42))), [
    'message.data: expected base64 string, got number',
  ]);
  assert.equal(valueOf(decode(SchedulerCall, message('aGk='))).message?.data, 'aGk=');
  assert.equal(valueOf(decode(SchedulerCall, message(''))).message?.data, '');
  for (const bad of ['====', 'A===', 'AB=C', 'ÀBCD', 'AB\nC']) {
    assert.deepEqual(errorsOf(decode(SchedulerCall, message(bad))), ['message.data: invalid base64'], bad);
  }
});

void test('multi-megabyte bytes fields validate without exhausting the stack', () => {
  const data = Buffer.alloc(32 * 1024 * 1024 + 1, 0xab).toString('base64');
  const response = { type: 'READ_FILE', read_file: { size: 1, data } };
  const decoded = valueOf(decode(MasterResponse, response));
  assert.equal(decoded.read_file?.data.length, data.length);
});

void test('integers are range- and integrality-checked', () => {
  const range = (begin: unknown, end: unknown) => ({
    name: 'ports',
    type: 'RANGES',
    ranges: { range: [{ begin, end }] },
  });
  assert.deepEqual(errorsOf(decode(Resource, range(-1, 1.5))), [
    'ranges.range[0].begin: expected uint64, got -1',
    'ranges.range[0].end: expected uint64, got 1.5',
  ]);
  assert.deepEqual(errorsOf(decode(Resource, range('12x', true))), [
    'ranges.range[0].begin: expected uint64, got string',
    'ranges.range[0].end: expected uint64, got boolean',
  ]);
  assert.deepEqual(errorsOf(decode(AgentInfo, { hostname: 'a', port: 2 ** 31 })), [
    'port: expected int32, got 2147483648',
  ]);
});

void test('every problem is reported, not just the first', () => {
  const input = { name: 7, type: 'SCALAR', scalar: 'one', reservations: {} };
  assert.deepEqual(errorsOf(decode(Resource, input)), [
    'name: expected string, got number',
    'scalar: expected object, got string',
    'reservations: expected array, got object',
  ]);
});

void test('map keys appear in paths; odd keys are quoted', () => {
  const task = {
    name: 't',
    task_id: { value: 't' },
    agent_id: AGENT,
    limits: { cpus: { value: 'x' }, 'nvidia.com/gpu': { value: [] } },
  };
  assert.deepEqual(errorsOf(decode(TaskInfo, task)), [
    'limits.cpus.value: expected number, got string',
    'limits["nvidia.com/gpu"].value: expected number, got array',
  ]);
});

void test('hostile input stays cheap to reject and to report', () => {
  const ranges = { range: Array.from({ length: 5000 }, () => ({ begin: 'x', end: 1 })) };
  const result = decode(Resource, { name: 'ports', type: 'RANGES', ranges });
  const errors = errorsOf(result);
  assert.equal(errors.length, MAX_DECODE_ERRORS + 1);
  assert.equal(errors[0], 'ranges.range[0].begin: expected uint64, got string');
  assert.equal(errors.at(-1), `more than ${MAX_DECODE_ERRORS} errors; the rest are not reported`);

  const longName = 'TASK_' + 'X'.repeat(10_000);
  const [message] = errorsOf(decode(TaskStatus, { task_id: { value: 't' }, state: longName }));
  assert.ok(message !== undefined && message.length < 120, message);

  const digits = '9'.repeat(1_000_000);
  assert.deepEqual(errorsOf(decode(Filters, { refuse_seconds: digits + 'x' })), [
    'refuse_seconds: expected number, got string',
  ]);
});

void test('recursive ContainerID paths', () => {
  assert.deepEqual(errorsOf(decode(ContainerID, { value: 'a', parent: { value: 'b', parent: {} } })), [
    'parent.parent.value: missing required field',
  ]);
});

void test('a non-object root and invalid JSON text are root errors', () => {
  assert.deepEqual(errorsOf(decode(SchedulerCall, [])), ['expected object, got array']);
  assert.deepEqual(errorsOf(decode(SchedulerCall, null)), ['expected object, got null']);
  const bad = decodeJson(SchedulerCall, '{"type":');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : formatDecodeErrors(bad.errors), /^invalid JSON: /);
});

// ---------------------------------------------------------------------------------------------
// Tolerance.

void test('null means absent everywhere, including whole call sub-messages', () => {
  const input = {
    type: 'DECLINE',
    framework_id: FW,
    subscribe: null,
    accept: null,
    kill: null,
    decline: { offer_ids: [{ value: 'o1' }, null], filters: null },
    revive: null,
  };
  const call = valueOf(decode(SchedulerCall, input));
  assert.deepEqual(call, { framework_id: FW, type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }] } });
  const checked = decodeSchedulerCall(input);
  assert.ok(checked.ok);
});

void test('null on a required field is a missing field', () => {
  assert.deepEqual(errorsOf(decode(Resource, { name: null, type: 'SCALAR' })), ['name: missing required field']);
});

void test('unknown keys are ignored', () => {
  const resource = valueOf(
    decode(Resource, { name: 'cpus', type: 'SCALAR', scalar: { value: 1, unit: 'cores' }, colour: 'blue' }),
  );
  assert.deepEqual(resource, { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } });
});

void test('numeric strings are accepted for integers and doubles', () => {
  const resource = valueOf(
    decode(Resource, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: '31000', end: '+32000' }] } }),
  );
  assert.deepEqual(resource.ranges, { range: [{ begin: 31000, end: 32000 }] });
  const scalar = valueOf(decode(Resource, { name: 'cpus', type: 'SCALAR', scalar: { value: '0.25' } }));
  assert.equal(scalar.scalar?.value, 0.25);
  const exp = valueOf(decode(Filters, { refuse_seconds: '1e3' }));
  assert.equal(exp.refuse_seconds, 1000);
  assert.deepEqual(errorsOf(decode(Filters, { refuse_seconds: '' })), ['refuse_seconds: expected number, got string']);
  assert.deepEqual(errorsOf(decode(Filters, { refuse_seconds: '0x10' })), [
    'refuse_seconds: expected number, got string',
  ]);
});

void test('"Infinity" and "-Infinity" doubles, written back as strings', () => {
  const task = valueOf(
    decode(TaskInfo, {
      name: 't',
      task_id: { value: 't' },
      agent_id: AGENT,
      limits: { cpus: { value: 'Infinity' }, mem: { value: '-Infinity' }, disk: { value: 'inf' } },
    }),
  );
  assert.deepEqual(task.limits, { cpus: { value: Infinity }, mem: { value: -Infinity }, disk: { value: Infinity } });
  assert.deepEqual(encode(TaskInfo, task).limits, {
    cpus: { value: 'Infinity' },
    mem: { value: '-Infinity' },
    disk: { value: 'Infinity' },
  });
  assert.match(encodeJson(TaskInfo, task), /"cpus":\{"value":"Infinity"\}/);
});

void test('"true" and "false" strings are booleans', () => {
  const info = valueOf(decode(FrameworkInfo, { user: 'u', name: 'n', checkpoint: 'true' }));
  assert.equal(info.checkpoint, true);
  const cmd = valueOf(decode(CommandInfo, { shell: 'false', value: 'ls' }));
  assert.equal(cmd.shell, false);
  assert.deepEqual(errorsOf(decode(CommandInfo, { shell: 'yes' })), ['shell: expected boolean, got string']);
});

void test('unknown enum names on optional fields and in repeated fields are dropped', () => {
  const info = valueOf(
    decode(FrameworkInfo, {
      user: 'u',
      name: 'n',
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'TELEPATHY' }],
    }),
  );
  // The capability message survives with its unknown type dropped, as in Mesos.
  assert.deepEqual(info.capabilities, [{ type: 'MULTI_ROLE' }, {}]);

  const caps = valueOf(decode(CapabilityInfo, { capabilities: ['CHOWN', 'FLY', 'NET_ADMIN'] }));
  assert.deepEqual(caps.capabilities, ['CHOWN', 'NET_ADMIN']);

  // An optional enum with a default falls back to the default.
  const docker = valueOf(decode(ContainerInfo, { type: 'DOCKER', docker: { image: 'x', network: 'MESH' } }));
  assert.equal(docker.docker?.network, 'HOST');
});

void test('a map key "__proto__" is an ordinary key', () => {
  const info = valueOf(
    decode(FrameworkInfo, JSON.parse('{"user":"u","name":"n","offer_filters":{"__proto__":{}}}')),
  );
  assert.ok(info.offer_filters !== undefined && Object.hasOwn(info.offer_filters, '__proto__'));
  assert.equal(Object.getPrototypeOf(info.offer_filters), Object.prototype);
  assert.equal(JSON.stringify(encode(FrameworkInfo, info)).includes('"offer_filters":{"__proto__":{}}'), true);
});

// ---------------------------------------------------------------------------------------------
// Output.

void test('the encoder writes non-deprecated defaults and leaves deprecated ones out', () => {
  assert.deepEqual(encode(FrameworkInfo, { user: 'u', name: 'n' }), {
    user: 'u',
    name: 'n',
    failover_timeout: 0,
    checkpoint: false,
  });
  assert.deepEqual(encode(Resource, { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }), {
    name: 'cpus',
    type: 'SCALAR',
    scalar: { value: 1 },
  });
  assert.deepEqual(encode(Filters, {}), { refuse_seconds: 5 });
  assert.deepEqual(encode(HealthCheck, { type: 'TCP', tcp: { port: 80 } }), {
    delay_seconds: 15,
    interval_seconds: 10,
    timeout_seconds: 20,
    consecutive_failures: 3,
    grace_period_seconds: 10,
    type: 'TCP',
    tcp: { protocol: 'IPv4', port: 80 },
  });
  assert.deepEqual(encode(AgentInfo, { hostname: 'a1' }), { hostname: 'a1', port: 5051 });
});

void test('decoding fills the defaults a protobuf getter would report', () => {
  const cmd = valueOf(decode(CommandInfo, { value: 'ls', uris: [{ value: 'http://x/y.tgz' }] }));
  assert.deepEqual(cmd, { shell: true, value: 'ls', uris: [{ value: 'http://x/y.tgz', extract: true }] });
  assert.deepEqual(withDefaults(FrameworkInfo, { user: 'u', name: 'n', roles: [] }), {
    user: 'u',
    name: 'n',
    failover_timeout: 0,
    checkpoint: false,
  });
});

void test('a required field with a proto default is still required', () => {
  assert.deepEqual(errorsOf(decode(MasterInfo, { id: 'm', ip: 1 })), ['port: missing required field']);
});

void test('the encoder leaves out empty repeated fields and maps and unknown properties', () => {
  const value = {
    name: 't',
    task_id: { value: 't' },
    agent_id: AGENT,
    resources: [],
    limits: {},
    internalBookkeeping: { secret: true },
  };
  assert.deepEqual(encode(TaskInfo, value), { name: 't', task_id: { value: 't' }, agent_id: AGENT });
});

void test('int64 values beyond 2^53 go out as plain numbers', () => {
  const status = valueOf(
    decode(TaskStatus, {
      task_id: { value: 't' },
      state: 'TASK_UNREACHABLE',
      unreachable_time: { nanoseconds: '1700000000123456789' },
    }),
  );
  const text = encodeJson(TaskStatus, status);
  assert.match(text, /"unreachable_time":\{"nanoseconds":1700000000123456800\}/);
});
