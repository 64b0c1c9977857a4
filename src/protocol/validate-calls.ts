// Envelope-level validation of decoded calls, after Mesos' src/master/validation.cpp
// (`scheduler::call::validate`, `executor::call::validate`, `master::call::validate`) and the
// agent's equivalent. These are the checks that do not need any cluster state: which
// sub-message a call type needs, which ids must be present and agree, and that uuids are 16
// bytes. Checks against state (is this framework subscribed, does this offer exist) belong to
// the master and agent.
//
// Every function is pure and returns a list of errors in the decoder's `{path, message}` form;
// an empty list means valid.
import type { TSchema } from '@sinclair/typebox';
import type { DecodeError } from './codec.ts';
import { payloadField } from './v1/envelope.ts';
import type { ExecutorCall } from './v1/executor-api.ts';
import { AGENT_CALLS_WITH_REQUIRED_PAYLOAD } from './v1/operator-agent.ts';
import type { AgentCall } from './v1/operator-agent.ts';
import { MASTER_CALLS_WITH_OPTIONAL_PAYLOAD, MASTER_CALLS_WITH_PAYLOAD } from './v1/operator-master.ts';
import type { MasterCall } from './v1/operator-master.ts';
import { SCHEDULER_CALLS_WITH_OPTIONAL_PAYLOAD } from './v1/scheduler.ts';
import type { SchedulerCall } from './v1/scheduler.ts';
import type { FrameworkID } from './v1/values.ts';

/** Byte length of a (valid, padded) base64 string, without decoding it. */
export function base64ByteLength(b64: string): number {
  if (b64.length === 0) return 0;
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return (b64.length / 4) * 3 - padding;
}

/** Errors for a bytes field that must hold a 16-byte UUID (TaskStatus.uuid and friends). */
export function checkUuidBytes(b64: string | undefined, path: string): DecodeError[] {
  if (b64 === undefined) return [{ path, message: 'missing required field' }];
  const length = base64ByteLength(b64);
  if (length !== 16) return [{ path, message: `expected a 16-byte UUID, got ${length} bytes` }];
  return [];
}

function sameId(a: FrameworkID | undefined, b: FrameworkID | undefined): boolean {
  return a?.value === b?.value;
}

function requirePayload(envelope: object, type: string, errors: DecodeError[]): void {
  const field = payloadField(type);
  if ((envelope as Record<string, unknown>)[field] === undefined) {
    errors.push({ path: field, message: `required for type ${type}` });
  }
}

const SCHEDULER_OPTIONAL_PAYLOAD: ReadonlySet<string> = new Set(SCHEDULER_CALLS_WITH_OPTIONAL_PAYLOAD);

/**
 * Validates a decoded scheduler Call (reference §2.3):
 * - SUBSCRIBE needs `subscribe`, and `framework_id` must equal `subscribe.framework_info.id`
 *   (both may be absent for a new framework);
 * - every other call needs `framework_id` and its sub-message, except TEARDOWN, REVIVE,
 *   SUPPRESS (and UNKNOWN, which the master answers with 501);
 * - ACKNOWLEDGE and ACKNOWLEDGE_OPERATION_STATUS need a 16-byte `uuid`; the latter also
 *   `agent_id`;
 * - UPDATE_FRAMEWORK needs `update_framework.framework_info.id` equal to `framework_id`.
 */
export function validateSchedulerCall(call: SchedulerCall): DecodeError[] {
  const errors: DecodeError[] = [];
  const type = call.type;

  if (type === 'SUBSCRIBE') {
    if (call.subscribe === undefined) {
      errors.push({ path: 'subscribe', message: 'required for type SUBSCRIBE' });
    } else if (!sameId(call.framework_id, call.subscribe.framework_info.id)) {
      errors.push({ path: 'framework_id', message: 'differs from subscribe.framework_info.id' });
    }
    return errors;
  }

  if (call.framework_id === undefined) {
    errors.push({ path: 'framework_id', message: `required for type ${type}` });
  }
  if (!SCHEDULER_OPTIONAL_PAYLOAD.has(type)) requirePayload(call, type, errors);

  if (type === 'ACKNOWLEDGE' && call.acknowledge !== undefined) {
    errors.push(...checkUuidBytes(call.acknowledge.uuid, 'acknowledge.uuid'));
  }
  if (type === 'ACKNOWLEDGE_OPERATION_STATUS' && call.acknowledge_operation_status !== undefined) {
    const ack = call.acknowledge_operation_status;
    errors.push(...checkUuidBytes(ack.uuid, 'acknowledge_operation_status.uuid'));
    if (ack.agent_id === undefined) {
      errors.push({ path: 'acknowledge_operation_status.agent_id', message: 'missing required field' });
    }
  }
  if (type === 'UPDATE_FRAMEWORK' && call.update_framework !== undefined && call.framework_id !== undefined) {
    const id = call.update_framework.framework_info.id;
    if (id === undefined) {
      errors.push({ path: 'update_framework.framework_info.id', message: 'missing required field' });
    } else if (id.value !== call.framework_id.value) {
      errors.push({
        path: 'update_framework.framework_info.id',
        message: `'${id.value}' differs from framework_id '${call.framework_id.value}'`,
      });
    }
  }
  return errors;
}

/**
 * Validates a decoded executor Call (reference §4.2). `executor_id` and `framework_id` are
 * required by the schema. SUBSCRIBE needs `subscribe` (even `{}`), UPDATE needs `update`,
 * MESSAGE needs `message`. An UPDATE's status must carry a 16-byte uuid, come from
 * SOURCE_EXECUTOR, not be TASK_STAGING, and name the calling executor if it names one.
 */
export function validateExecutorCall(call: ExecutorCall): DecodeError[] {
  const errors: DecodeError[] = [];
  const type = call.type;
  if (type === 'SUBSCRIBE' || type === 'UPDATE' || type === 'MESSAGE') {
    requirePayload(call, type, errors);
  }
  if (type === 'UPDATE' && call.update !== undefined) {
    const status = call.update.status;
    errors.push(...checkUuidBytes(status.uuid, 'update.status.uuid'));
    if (status.source !== 'SOURCE_EXECUTOR') {
      errors.push({ path: 'update.status.source', message: 'expected SOURCE_EXECUTOR' });
    }
    if (status.state === 'TASK_STAGING') {
      errors.push({ path: 'update.status.state', message: 'TASK_STAGING may not be sent by an executor' });
    }
    if (status.executor_id !== undefined && status.executor_id.value !== call.executor_id.value) {
      errors.push({
        path: 'update.status.executor_id',
        message: `'${status.executor_id.value}' differs from executor_id '${call.executor_id.value}'`,
      });
    }
  }
  return errors;
}

const MASTER_REQUIRED_PAYLOAD: ReadonlySet<string> = new Set(
  MASTER_CALLS_WITH_PAYLOAD.filter(
    (t) => !(MASTER_CALLS_WITH_OPTIONAL_PAYLOAD as readonly string[]).includes(t),
  ),
);

/** Validates a decoded master operator Call: the sub-message its type needs is present. */
export function validateMasterCall(call: MasterCall): DecodeError[] {
  const errors: DecodeError[] = [];
  if (MASTER_REQUIRED_PAYLOAD.has(call.type)) requirePayload(call, call.type, errors);
  return errors;
}

const AGENT_REQUIRED_PAYLOAD: ReadonlySet<string> = new Set(AGENT_CALLS_WITH_REQUIRED_PAYLOAD);

/** Validates a decoded agent operator Call: the sub-message its type needs is present. */
export function validateAgentCall(call: AgentCall): DecodeError[] {
  const errors: DecodeError[] = [];
  if (AGENT_REQUIRED_PAYLOAD.has(call.type)) requirePayload(call, call.type, errors);
  return errors;
}

/**
 * For events and responses: the payload named after `type` must be present whenever the
 * envelope schema has such a field (HEARTBEAT-like types have none).
 */
export function validateEnvelopePayload(schema: TSchema, envelope: { type: string }): DecodeError[] {
  const field = payloadField(envelope.type);
  const properties = (schema as unknown as { properties: Record<string, unknown> }).properties;
  if (!(field in properties)) return [];
  const errors: DecodeError[] = [];
  requirePayload(envelope, envelope.type, errors);
  return errors;
}
