// The executor's standard output and error as fds, which its task and its COMMAND checks write
// to: 1 and 2 (the agent points them at the sandbox files), except in a warm executor. That one
// was started before it had a sandbox (its fd 1 and 2 are /dev/null, and Node cannot dup2), and
// opens the sandbox files when it is handed its container (main.ts). Process-wide, as a
// process's stdio is.
const executorStdio = { stdout: 1, stderr: 2 };

/** From now on, the task's and the checks' output goes to these fds. */
export function useExecutorStdio(stdout: number, stderr: number): void {
  executorStdio.stdout = stdout;
  executorStdio.stderr = stderr;
}

export function executorStdout(): number {
  return executorStdio.stdout;
}

export function executorStderr(): number {
  return executorStdio.stderr;
}
