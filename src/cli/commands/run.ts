import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { AgentClient, parseMasterAddress } from '../../client/index.ts';
import { SchedulerClient } from '../../scheduler/index.ts';
import type { Command } from '../command.ts';
import { reportError } from '../errors.ts';
import { MASTER_OPTIONS_HELP, masterAddress, requestTimeoutMs } from '../options.ts';
import { parseRunArgs } from '../run/run-args.ts';
import { runTask } from '../run/session.ts';

const PATH = ['run'];
/** How often the task's stdout/stderr are read while it runs. */
const OUTPUT_POLL_MS = 200;

export const runCommand: Command = {
  path: PATH,
  summary: 'run one command as a task on the cluster and wait for it (mesos-execute)',
  help: `usage: agora run [--name NAME] [--cpus 0.1] [--mem 32] [--env K=V ...] [--uri URI ...]
                 [--role R] [--offer-timeout 60s] [--master HOST:PORT] -- COMMAND [ARG...]
       agora run [options] --command 'SHELL TEXT'
       agora run [options] --image IMAGE [--containerizer mesos|docker] [--force-pull] [-- COMMAND...]

Registers a framework, waits for an offer that fits, launches one command task, copies the
task's stdout and stderr to this terminal while it runs, reports its state changes on stderr,
tears the framework down and exits with the task's exit code.

'-- COMMAND ARG...' runs exactly that argv (CommandInfo shell=false), so
'agora run -- sh -c "echo hi; exit 3"' runs sh with those two arguments. --command runs its text
with 'sh -c' (shell=true), as mesos-execute --command does.

  --name NAME          task name (default agora-run); the task id is NAME.<random>
  --cpus N             cpus to ask for (default 0.1)
  --mem MB             memory in MB (default 32)
  --env K=V            environment variable for the task (repeatable; or a JSON object)
  --uri URI            fetch URI into the sandbox before starting (repeatable)
  --image IMAGE        run in a container of this Docker image (no command: the image's own);
                       the agent needs --image_providers=docker (or --containerizers=docker)
  --containerizer C    mesos (default: the agent's image provisioner) or docker (Docker)
  --force-pull         pull the image even when the agent has it
  --role R             role to register and run as (default *)
  --offer-timeout T    give up when no offer fits within T (default 60s; exit 69)
${MASTER_OPTIONS_HELP.replace('print JSON for scripts instead of a table', 'print status lines on stderr as JSON objects')}

Exit code: 0 when the task finishes; N when its command exits with status N; 128+S when it
is killed by signal S; 130 after Ctrl-C (which kills the task; press it twice not to wait);
69 when the master cannot be reached or no offer fits; 1 for any other failure.`,
  async run(args, io) {
    const onSignal = new Set<() => void>();
    const forward = () => onSignal.forEach((h) => h());
    let scheduler: SchedulerClient | undefined;
    try {
      const parsed = parseRunArgs(args);
      const timeoutMs = requestTimeoutMs(parsed);
      const spec = { ...parsed.spec, taskId: `${parsed.spec.name}.${randomBytes(4).toString('hex')}` };
      scheduler = new SchedulerClient({
        // Any master: a non-leading one redirects to the leader, which later calls go to directly.
        master: parseMasterAddress(masterAddress(parsed)),
        // The session acknowledges each update once it has reported it.
        autoAcknowledge: false,
        // failover_timeout is 0: once disconnected the framework is gone, so fail, do not retry.
        reconnect: false,
        requestTimeoutMs: timeoutMs,
      });
      process.on('SIGINT', forward).on('SIGTERM', forward);
      return await runTask(spec, {
        scheduler,
        agent: (url) => new AgentClient(url, { timeoutMs }),
        stdout: io.stdout,
        stderr: io.stderr,
        json: parsed.json,
        onInterrupt: (handler) => {
          onSignal.add(handler);
          return () => onSignal.delete(handler);
        },
        offerTimeoutMs: parsed.offerTimeoutMs,
        pollMs: OUTPUT_POLL_MS,
        user: userInfo().username,
      });
    } catch (err) {
      return reportError(io, PATH, err);
    } finally {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      // Normally closed by TEARDOWN already; this makes sure no open stream keeps us alive.
      scheduler?.close();
    }
  },
};
