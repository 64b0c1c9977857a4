// Pure readers of checkpoint file contents (bytes in, values or a described problem out), so
// every torn and corrupt shape is unit tested without a file system.
//
// `task.updates` is an append-only RecordIO stream (`<decimal length>\n<bytes>`, the framing of
// src/protocol/recordio.ts) of JSON records:
//
//   {"type":"UPDATE","update":{"framework_id":"...","executor_id":"...","status":{TaskStatus}}}
//   {"type":"ACK","uuid":"<status uuid>"}
//
// A crash while appending can only leave the *last* record short (appends are written whole and
// fsynced before the agent acts): that torn tail is dropped quietly. Anything else (a bad length
// line, a record that is not the JSON above) is corruption: the records before it are kept, the
// rest is dropped (RecordIO cannot resynchronise) and the problem is reported.
import type { Static, TSchema } from '@sinclair/typebox';
import { TaskStatus, decode, decodeJson, encode, formatDecodeErrors, isTerminalTaskState } from '../../protocol/index.ts';
import type { StatusUpdate } from '../status-updates.ts';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parses a `*.info` file: Mesos-JSON of `schema`. */
export function parseInfo<S extends TSchema>(schema: S, bytes: Uint8Array): ParseResult<Static<S>> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, message: 'not valid UTF-8' };
  }
  if (text.length === 0) return { ok: false, message: 'empty file' };
  const decoded = decodeJson(schema, text);
  return decoded.ok ? decoded : { ok: false, message: formatDecodeErrors(decoded.errors) };
}

/** Parses a `forked.pid` file: a positive decimal pid, optionally followed by a newline. */
export function parsePid(bytes: Uint8Array): ParseResult<number> {
  const text = Buffer.from(bytes).toString('latin1').trim();
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return { ok: false, message: `not a pid: '${text.slice(0, 20)}'` };
  const pid = Number(text);
  return pid <= 0x3fffffff ? { ok: true, value: pid } : { ok: false, message: `pid out of range: ${text}` };
}

export type UpdateRecord = { type: 'UPDATE'; update: StatusUpdate } | { type: 'ACK'; uuid: string };

export function encodeUpdateRecord(record: UpdateRecord): string {
  if (record.type === 'ACK') return JSON.stringify(record);
  const { frameworkId, executorId, status } = record.update;
  return JSON.stringify({
    type: 'UPDATE',
    update: { framework_id: frameworkId, ...(executorId !== undefined ? { executor_id: executorId } : {}), status: encode(TaskStatus, status) },
  });
}

export type UpdateStreamParse = {
  records: UpdateRecord[];
  /** Bytes of a torn last record that were dropped (0 when the file ended cleanly). */
  tornBytes: number;
  /** Set when the stream is corrupt at `offset`; `records` holds what came before. */
  corruption?: { offset: number; message: string } | undefined;
};

const MAX_LENGTH_DIGITS = 16;
const NEWLINE = 0x0a;

/** Splits a `task.updates` file into records; see the header for torn vs. corrupt. */
export function parseUpdateStream(bytes: Uint8Array): UpdateStreamParse {
  const records: UpdateRecord[] = [];
  let pos = 0;
  while (pos < bytes.byteLength) {
    const nl = bytes.indexOf(NEWLINE, pos);
    const lineEnd = nl < 0 ? bytes.byteLength : nl;
    const digits = Buffer.from(bytes.subarray(pos, lineEnd)).toString('latin1');
    if (!/^[0-9]*$/.test(digits) || digits.length > MAX_LENGTH_DIGITS) {
      return { records, tornBytes: 0, corruption: { offset: pos, message: 'invalid record length line' } };
    }
    if (nl < 0) return { records, tornBytes: bytes.byteLength - pos }; // the length line itself was torn
    if (digits.length === 0) return { records, tornBytes: 0, corruption: { offset: pos, message: 'empty record length line' } };
    const length = Number(digits);
    const bodyStart = nl + 1;
    if (bodyStart + length > bytes.byteLength) return { records, tornBytes: bytes.byteLength - pos };
    const record = parseUpdateRecord(bytes.subarray(bodyStart, bodyStart + length));
    if (!record.ok) return { records, tornBytes: 0, corruption: { offset: pos, message: record.message } };
    records.push(record.value);
    pos = bodyStart + length;
  }
  return { records, tornBytes: 0 };
}

function parseUpdateRecord(body: Uint8Array): ParseResult<UpdateRecord> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (error) {
    return { ok: false, message: `invalid update record: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, message: 'invalid update record: not a JSON object' };
  if (value.type === 'ACK') {
    return typeof value.uuid === 'string' && value.uuid.length > 0
      ? { ok: true, value: { type: 'ACK', uuid: value.uuid } }
      : { ok: false, message: 'invalid update record: ACK without uuid' };
  }
  if (value.type !== 'UPDATE' || !isObject(value.update)) return { ok: false, message: "invalid update record: 'type' is neither UPDATE nor ACK" };
  const { framework_id: frameworkId, executor_id: executorId, status } = value.update;
  if (typeof frameworkId !== 'string' || frameworkId.length === 0) return { ok: false, message: 'invalid update record: no framework_id' };
  if (executorId !== undefined && typeof executorId !== 'string') return { ok: false, message: 'invalid update record: executor_id is not a string' };
  const decoded = decode(TaskStatus, status);
  if (!decoded.ok) return { ok: false, message: `invalid update record: status: ${formatDecodeErrors(decoded.errors)}` };
  if (decoded.value.uuid === undefined) return { ok: false, message: 'invalid update record: status has no uuid' };
  const update: StatusUpdate = { frameworkId, status: decoded.value };
  if (executorId !== undefined) update.executorId = executorId;
  return { ok: true, value: { type: 'UPDATE', update } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type ReplayedStream = {
  /** Every update in the order received (the task's status history). */
  updates: StatusUpdate[];
  /** Updates not yet acknowledged, oldest first: to be re-sent after recovery. */
  pending: StatusUpdate[];
  /** The terminal update was acknowledged: the task is completed. */
  terminated: boolean;
  /** Acknowledgements that matched no pending update (reported, otherwise ignored). */
  strayAcks: string[];
};

/** Replays a task's update records into its status-update-stream state (Mesos recovers the same). */
export function replayUpdateRecords(records: readonly UpdateRecord[]): ReplayedStream {
  const updates: StatusUpdate[] = [];
  const pending: StatusUpdate[] = [];
  const strayAcks: string[] = [];
  let terminated = false;
  for (const record of records) {
    if (record.type === 'UPDATE') {
      if (updates.some((u) => u.status.uuid === record.update.status.uuid)) continue; // a duplicate append
      updates.push(record.update);
      pending.push(record.update);
      continue;
    }
    const index = pending.findIndex((u) => u.status.uuid === record.uuid);
    if (index < 0) {
      strayAcks.push(record.uuid);
      continue;
    }
    const [acked] = pending.splice(index, 1);
    if (acked && isTerminalTaskState(acked.status.state)) terminated = true;
  }
  return { updates, pending, terminated, strayAcks };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
