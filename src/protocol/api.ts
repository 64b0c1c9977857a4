// One function per endpoint direction, so the master, the agent, the executors and the clients
// each call a single function per message they read or write:
//
//   endpoint                     server reads        server writes            client side
//   POST /api/v1/scheduler       decodeSchedulerCall encodeSchedulerEvent     encodeSchedulerCall, decodeSchedulerEvent
//   POST /api/v1/executor        decodeExecutorCall  encodeExecutorEvent      encodeExecutorCall, decodeExecutorEvent
//   POST /api/v1 (master)        decodeMasterCall    encodeMasterResponse,    encodeMasterCall, decodeMasterResponse,
//                                                    encodeMasterEvent        decodeMasterEvent
//   POST /api/v1 (agent)         decodeAgentCall     encodeAgentResponse,     encodeAgentCall, decodeAgentResponse,
//                                                    encodeProcessIO          decodeProcessIO
//
// Decoders take the parsed JSON body (`JSON.parse` output) and run both the codec and the
// envelope validation (validate-calls.ts), returning the narrowed, discriminated type on
// success. Encoders return a JSON-ready object; `JSON.stringify` it (or frame it with RecordIO).
import type { TSchema } from '@sinclair/typebox';
import { decode, encode } from './codec.ts';
import type { DecodeError, DecodeResult, JsonObject } from './codec.ts';
import { ExecutorCall, ExecutorEvent } from './v1/executor-api.ts';
import type { ValidExecutorCall, ValidExecutorEvent } from './v1/executor-api.ts';
import { AgentCall, AgentResponse, ProcessIO } from './v1/operator-agent.ts';
import type { ValidAgentCall, ValidAgentResponse } from './v1/operator-agent.ts';
import { MasterCall, MasterEvent, MasterResponse } from './v1/operator-master.ts';
import type { ValidMasterCall, ValidMasterEvent, ValidMasterResponse } from './v1/operator-master.ts';
import { SchedulerCall, SchedulerEvent } from './v1/scheduler.ts';
import type { ValidSchedulerCall, ValidSchedulerEvent } from './v1/scheduler.ts';
import {
  validateAgentCall,
  validateEnvelopePayload,
  validateExecutorCall,
  validateMasterCall,
  validateSchedulerCall,
} from './validate-calls.ts';

/**
 * Decodes `input` with `schema`, then runs `validate` on the result. `stage` tells a server
 * which Mesos error text applies: "Failed to convert JSON into Call protobuf" (decode) or
 * "Failed to validate ... Call" (validate).
 */
export type CheckedResult<T> =
  | { ok: true; value: T }
  | { ok: false; stage: 'decode' | 'validate'; errors: DecodeError[] };

function decodeChecked<S extends TSchema, V>(
  schema: S,
  input: unknown,
  validate: (value: never) => DecodeError[],
): CheckedResult<V> {
  const decoded: DecodeResult<unknown> = decode(schema, input);
  if (!decoded.ok) return { ok: false, stage: 'decode', errors: decoded.errors };
  const errors = validate(decoded.value as never);
  if (errors.length > 0) return { ok: false, stage: 'validate', errors };
  return { ok: true, value: decoded.value as V };
}

function payloadValidator(schema: TSchema): (value: never) => DecodeError[] {
  return (value: never) => validateEnvelopePayload(schema, value as { type: string });
}

// ---------------------------------------------------------------------------------------------
// Scheduler API.

/** Master side of POST /api/v1/scheduler: decode and validate a scheduler Call. */
export function decodeSchedulerCall(input: unknown): CheckedResult<ValidSchedulerCall> {
  return decodeChecked(SchedulerCall, input, validateSchedulerCall);
}

/** Master side: one event for the scheduler's RecordIO stream. */
export function encodeSchedulerEvent(event: SchedulerEvent): JsonObject {
  return encode(SchedulerEvent, event);
}

/** Scheduler (SDK) side: a call to POST. */
export function encodeSchedulerCall(call: SchedulerCall): JsonObject {
  return encode(SchedulerCall, call);
}

/** Scheduler (SDK) side: one record of the event stream. */
export function decodeSchedulerEvent(input: unknown): CheckedResult<ValidSchedulerEvent> {
  return decodeChecked(SchedulerEvent, input, payloadValidator(SchedulerEvent));
}

// ---------------------------------------------------------------------------------------------
// Executor API.

/** Agent side of POST /api/v1/executor: decode and validate an executor Call. */
export function decodeExecutorCall(input: unknown): CheckedResult<ValidExecutorCall> {
  return decodeChecked(ExecutorCall, input, validateExecutorCall);
}

/** Agent side: one event for the executor's RecordIO stream. */
export function encodeExecutorEvent(event: ExecutorEvent): JsonObject {
  return encode(ExecutorEvent, event);
}

/** Executor side: a call to POST. */
export function encodeExecutorCall(call: ExecutorCall): JsonObject {
  return encode(ExecutorCall, call);
}

/** Executor side: one record of the event stream. */
export function decodeExecutorEvent(input: unknown): CheckedResult<ValidExecutorEvent> {
  return decodeChecked(ExecutorEvent, input, payloadValidator(ExecutorEvent));
}

// ---------------------------------------------------------------------------------------------
// Master operator API.

/** Master side of POST /api/v1: decode and validate an operator Call. */
export function decodeMasterCall(input: unknown): CheckedResult<ValidMasterCall> {
  return decodeChecked(MasterCall, input, validateMasterCall);
}

export function encodeMasterResponse(response: MasterResponse): JsonObject {
  return encode(MasterResponse, response);
}

/** Master side: one event for an operator SUBSCRIBE stream. */
export function encodeMasterEvent(event: MasterEvent): JsonObject {
  return encode(MasterEvent, event);
}

export function encodeMasterCall(call: MasterCall): JsonObject {
  return encode(MasterCall, call);
}

export function decodeMasterResponse(input: unknown): CheckedResult<ValidMasterResponse> {
  return decodeChecked(MasterResponse, input, payloadValidator(MasterResponse));
}

export function decodeMasterEvent(input: unknown): CheckedResult<ValidMasterEvent> {
  return decodeChecked(MasterEvent, input, payloadValidator(MasterEvent));
}

// ---------------------------------------------------------------------------------------------
// Agent operator API.

/**
 * Agent side of POST /api/v1: decode and validate an operator Call. Also used for each record
 * of a streamed ATTACH_CONTAINER_INPUT request.
 */
export function decodeAgentCall(input: unknown): CheckedResult<ValidAgentCall> {
  return decodeChecked(AgentCall, input, validateAgentCall);
}

export function encodeAgentResponse(response: AgentResponse): JsonObject {
  return encode(AgentResponse, response);
}

export function encodeAgentCall(call: AgentCall): JsonObject {
  return encode(AgentCall, call);
}

export function decodeAgentResponse(input: unknown): CheckedResult<ValidAgentResponse> {
  return decodeChecked(AgentResponse, input, payloadValidator(AgentResponse));
}

/** One record of a LAUNCH_NESTED_CONTAINER_SESSION / ATTACH_CONTAINER_OUTPUT stream. */
export function encodeProcessIO(record: ProcessIO): JsonObject {
  return encode(ProcessIO, record);
}

export function decodeProcessIO(input: unknown): DecodeResult<ProcessIO> {
  return decode(ProcessIO, input);
}
