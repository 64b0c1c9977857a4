// Identifiers in the formats the real Mesos master uses, so that logs, UIs and tools that parse
// them keep working: master id a UUID v4; FrameworkID `<masterId>-0000`; AgentID `<masterId>-S<n>`;
// OfferID `<masterId>-O<n>`; stream ids and container ids UUIDs; status update uuids 16 raw
// bytes, base64 on the wire.
import { randomUUID, randomBytes } from 'node:crypto';

export function newUuid(): string {
  return randomUUID();
}

/** A fresh status-update uuid: 16 random bytes as standard base64 (24 characters, ending `==`). */
export function newStatusUuid(): string {
  return randomBytes(16).toString('base64');
}

/** Counters from which a master derives ids; persisted by the registry so ids survive failover. */
export type IdCounters = { frameworks: number; agents: number; offers: number };

/**
 * Mints the ids one master hands out. After a failover, a new master continues from the counters
 * the registry holds, under its own master id, so ids never repeat.
 */
export class MasterIds {
  readonly masterId: string;
  #counters: IdCounters;

  constructor(masterId: string, counters: IdCounters = { frameworks: 0, agents: 0, offers: 0 }) {
    this.masterId = masterId;
    this.#counters = { ...counters };
  }

  get counters(): IdCounters {
    return { ...this.#counters };
  }

  framework(): string {
    return `${this.masterId}-${String(this.#counters.frameworks++).padStart(4, '0')}`;
  }

  agent(): string {
    return `${this.masterId}-S${this.#counters.agents++}`;
  }

  offer(): string {
    return `${this.masterId}-O${this.#counters.offers++}`;
  }
}

/** The NAME_MAX limit Mesos applies to scheduler-supplied ids. */
export const MAX_ID_LENGTH = 255;

/**
 * Checks an id chosen by a framework (task, executor, framework id) the way Mesos does: it becomes
 * a directory name in the sandbox path, so it must be non-empty, at most 255 characters, not `.`
 * or `..`, and free of control characters, `/` and `\`. Returns an error message, or undefined.
 */
export function validateUserId(id: string): string | undefined {
  if (id.length === 0) return 'id must not be empty';
  if (id.length > MAX_ID_LENGTH) return `id is longer than ${MAX_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return `'${id}' is disallowed`;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return `id '${id}' contains a control character`;
  }
  if (id.includes('/')) return `id '${id}' contains '/'`;
  if (id.includes('\\')) return `id '${id}' contains '\\'`;
  return undefined;
}
