// How the command executor words the end of a task, exactly as Mesos does, so that frameworks and
// operators that read TaskStatus.message see the same text: the terminal message is
// "Command " + WSTRINGIFY(status) from Mesos's status_utils.hpp, i.e. `Command exited with
// status N` or `Command terminated with signal <strsignal text>` ("Killed", "Terminated", ...).
import type { TaskState, TaskStatusReason } from '../../protocol/index.ts';

/** glibc `strsignal()` descriptions, which Mesos puts into the message. */
const SIGNAL_DESCRIPTIONS: Record<string, string> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited',
  SIGCONT: 'Continued',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGWINCH: 'Window changed',
  SIGIO: 'I/O possible',
  SIGPOLL: 'I/O possible',
  SIGPWR: 'Power failure',
  SIGSYS: 'Bad system call',
};

/** The text `strsignal()` gives for a signal name; unknown names are returned unchanged. */
export function describeSignal(signal: string): string {
  return SIGNAL_DESCRIPTIONS[signal] ?? signal;
}

/** How the task's process ended, as Node reports it (exactly one of the two is set). */
export type ProcessExit = { code: number | null; signal: string | null };

/** `Command exited with status N` or `Command terminated with signal <description>`. */
export function terminationMessage(exit: ProcessExit): string {
  if (exit.signal !== null) return `Command terminated with signal ${describeSignal(exit.signal)}`;
  return `Command exited with status ${exit.code ?? 'unknown'}`;
}

/** Why the executor itself ended the task, if it did. */
export type KillCause = 'kill' | 'shutdown' | 'health_check' | 'max_completion_time';

export type TerminalStatus = {
  state: Extract<TaskState, 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED'>;
  message: string;
  reason?: TaskStatusReason;
  /** Set (false) only when a failing health check made the executor kill the task. */
  healthy?: boolean;
};

/**
 * The terminal update for a task whose process has exited. Order as in Mesos: a task killed for
 * exceeding max_completion_time FAILED; any other kill (even one the task survived with exit 0)
 * is KILLED; exit 0 FINISHED; everything else FAILED. Mesos's agent marks TASK_FAILED from a
 * command executor with REASON_COMMAND_EXECUTOR_FAILED; we set it here already.
 */
export function terminalStatus(exit: ProcessExit, killedBy: KillCause | undefined): TerminalStatus {
  const message = terminationMessage(exit);
  if (killedBy === 'max_completion_time') {
    return { state: 'TASK_FAILED', message, reason: 'REASON_MAX_COMPLETION_TIME_REACHED' };
  }
  if (killedBy !== undefined) {
    return killedBy === 'health_check' ? { state: 'TASK_KILLED', message, healthy: false } : { state: 'TASK_KILLED', message };
  }
  if (exit.signal === null && exit.code === 0) return { state: 'TASK_FINISHED', message };
  return { state: 'TASK_FAILED', message, reason: 'REASON_COMMAND_EXECUTOR_FAILED' };
}
