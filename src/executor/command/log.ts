// The command executor's log: short human lines on stderr, in the layout of glog, which is what
// Mesos's command executor writes to the same place:
//
//   I1121 13:53:47.981 19574 command-executor] task process started pid=19581 file=sh
//   ^level ^local date/time ^pid ^component    ^constant message      ^fields as key=value
//
// Why not JSON lines as the daemons write: the agent points this stderr at the sandbox's
// `stderr` file, and the task's own stderr goes to the same file. Operators read that file (the
// web UI, `agora task log --stderr`, `agora run`) to see what their task printed; a few short
// lines about the executor belong there, JSON documents with ids repeated on every line do not.
// And as the file mixes in arbitrary task output, a log shipper could not parse it as JSON
// anyway. The glog layout keeps it greppable (`grep '^E'` for errors) and familiar.
//
// NOTE: pino adds about 7 MB of RSS to a process; the command executor runs once per task, so it
// writes its few lines itself.

export type LogFields = Record<string, unknown>;

export type ExecutorLog = {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

export type LogLevel = 'info' | 'warn' | 'error';

const LEVEL_LETTER: Record<LogLevel, string> = { info: 'I', warn: 'W', error: 'E' };

/**
 * A log whose lines are tagged with `base.component`. The other `base` fields (the framework and
 * executor ids) go on the first line only: the sandbox file is per executor run already, and the
 * first line still makes a copy of the file say where it came from.
 */
export function createExecutorLog(base: LogFields, write: (line: string) => void = (line) => process.stderr.write(line)): ExecutorLog {
  const { component, ...identity } = base;
  const tag = typeof component === 'string' && component !== '' ? component : 'executor';
  let first = true;
  const emit = (level: LogLevel, msg: string, fields: LogFields | undefined): void => {
    const all = first ? { ...fields, ...identity } : fields;
    first = false;
    write(formatLogLine(level, new Date(), process.pid, tag, msg, all));
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** One line, newline included: `Lmmdd hh:mm:ss.mmm pid tag] msg key=value ...` (local time, as glog). */
export function formatLogLine(level: LogLevel, time: Date, pid: number, tag: string, msg: string, fields: LogFields = {}): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${two(time.getMonth() + 1)}${two(time.getDate())} ` +
    `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  const tail = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${formatValue(value)}`)
    .join('');
  return `${LEVEL_LETTER[level]}${stamp} ${pid} ${tag}] ${oneLine(msg)}${tail}\n`;
}

/** Bare when it reads unambiguously; quoted (JSON) when it has spaces, quotes, `=` or newlines. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return value !== '' && /^[^\s"'=\\]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || typeof value === 'bigint') return String(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

/** A message is a constant sentence, but a line must stay one line whatever it is given. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}
