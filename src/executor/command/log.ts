// A tiny JSON-lines logger for the command executor, writing the same line shape as the pino
// logger in src/common/log.ts ({level, time, pid, component, msg, ...fields}).
//
// NOTE: pino adds about 7 MB of RSS to a process; the command executor runs once per task, so it
// writes its few lines itself. Lines go to stderr, which the agent points at the sandbox's
// `stderr` file (the task's stderr goes there too, as with Mesos).

export type LogFields = Record<string, unknown>;

export type ExecutorLog = {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

export function createExecutorLog(base: LogFields, write: (line: string) => void = (line) => process.stderr.write(line)): ExecutorLog {
  const emit = (level: string, msg: string, fields: LogFields | undefined): void => {
    let line: string;
    try {
      line = JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, ...base, ...fields, msg });
    } catch {
      line = JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, ...base, msg });
    }
    write(`${line}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}
