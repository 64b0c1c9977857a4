// Structured logging: JSON lines on stderr through pino. The message is a constant sentence and
// the variable data goes into fields (`log.info({ taskId }, 'task launched')`), so logs can be
// filtered by field. Each component takes `logger.child({ component: 'allocator' })`.
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type LoggerOptions = {
  level?: LogLevel;
  /** Base fields on every line, e.g. `{ process: 'master' }`. */
  base?: Record<string, unknown>;
  /** Where lines go; stderr (fd 2) by default. */
  destination?: DestinationStream;
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that writes nothing, for unit tests and pure-code harnesses. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}
