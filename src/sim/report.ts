// What a re-registering simulated agent reports about tasks it does not simulate (a master
// failover storm with made-up tasks), kept small until the SUBSCRIBE body is written. Tens of
// thousands of agents × 10–110 tasks each, held as Task objects or as encoded bodies, do not fit
// a 4 GiB heap (the first full grid died that way): a report here is a count and a function that
// renders the i-th task's canonical JSON on demand, typically from a TaskTemplate (one encoded
// task per distinct shape, with its ids filled in as strings).
import { encode, Task as TaskSchema, type FrameworkInfo, type Task } from '../protocol/index.ts';

export type PreloadedReport = {
  agentId: string;
  frameworks: FrameworkInfo[];
  /** Tasks reported. */
  taskCount: number;
  /** The i-th task as canonical Mesos JSON text (what `JSON.stringify(encode(Task, task))` gives). */
  taskJson(i: number): string;
  /** Σ Buffer.byteLength(taskJson(i)): the body's Content-Length is needed before its first byte. */
  tasksBytes: number;
};

/** A report of tasks given as values (small sizes, tests): encoded once, here. */
export function reportOfTasks(agentId: string, frameworks: FrameworkInfo[], tasks: readonly Task[]): PreloadedReport {
  const json = tasks.map((t) => JSON.stringify(encode(TaskSchema, t)));
  return { agentId, frameworks, taskCount: json.length, taskJson: (i) => json[i]!, tasksBytes: json.reduce((n, s) => n + Buffer.byteLength(s), 0) };
}

/**
 * A task's canonical JSON with holes: `sample` is encoded once with each hole's marker string
 * where a value goes (e.g. `task_id: { value: '@task@' }`), and `render` fills the holes with
 * JSON-escaped values, so a task costs a few string concatenations instead of an object graph
 * and a JSON.stringify. Markers must occur only where values go.
 */
export class TaskTemplate<K extends string> {
  readonly #pieces: string[];
  readonly #holes: K[];
  readonly #fixedBytes: number;

  constructor(sample: Task, markers: Record<K, string>) {
    const text = JSON.stringify(encode(TaskSchema, sample));
    const byMarker = new Map<string, K>(Object.entries(markers).map(([k, m]) => [m as string, k as K]));
    const pattern = new RegExp([...byMarker.keys()].map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    this.#pieces = [];
    this.#holes = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      this.#pieces.push(text.slice(last, match.index));
      this.#holes.push(byMarker.get(match[0])!);
      last = match.index + match[0].length;
    }
    this.#pieces.push(text.slice(last));
    for (const k of byMarker.values()) if (!this.#holes.includes(k)) throw new TypeError(`TaskTemplate: marker of '${k}' not found in the encoded sample`);
    this.#fixedBytes = this.#pieces.reduce((n, p) => n + Buffer.byteLength(p), 0);
  }

  render(values: Record<K, string>): string {
    let out = this.#pieces[0]!;
    for (let i = 0; i < this.#holes.length; i++) out += escape(values[this.#holes[i]!]) + this.#pieces[i + 1]!;
    return out;
  }

  /** Buffer.byteLength(render(values)), without rendering. */
  byteLength(values: Record<K, string>): number {
    let n = this.#fixedBytes;
    for (const k of this.#holes) n += Buffer.byteLength(escape(values[k]));
    return n;
  }
}

/** A value as it appears inside a JSON string literal. */
const escape = (value: string): string => (/^[\w.:@/ -]*$/.test(value) ? value : JSON.stringify(value).slice(1, -1));
