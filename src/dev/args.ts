// `agora dev` flags: pure parsing, unit-tested.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const DEV_HELP = `usage: agora dev [--agents N] [--work_dir DIR] [--port 5050] [--agent-port-base 5051] [--json]

Starts a local cluster: one master and N agents as child processes on 127.0.0.1, with their
state under the work dir. Waits until every agent is registered, prints the URLs, and keeps
running until Ctrl-C (or SIGTERM), which stops everything. If a process dies on its own, the
last lines of its log are printed and agora dev exits 1.

  --agents N             number of agents (default 1)
  --work_dir DIR         state and logs (default ./.agora): DIR/master, DIR/agent-<i>, DIR/logs
  --port P               master port (default 5050; 0 picks a free port)
  --agent-port-base P    port of the first agent, the others follow (default: master port + 1,
                         or 0 with --port 0)
  --json                 print the cluster's URLs as one JSON line
  --ready-timeout SECS   how long each process may take to come up (default 30)

Logs go to DIR/logs/<process>.log; errors are also shown here.`;

export type DevArgs = {
  help: boolean;
  agents: number;
  workDir: string;
  port: number;
  agentPortBase: number;
  json: boolean;
  readyTimeoutMs: number;
};

export class DevUsageError extends Error {}

export function parseDevArgs(args: readonly string[], cwd: string = process.cwd()): DevArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        help: { type: 'boolean', short: 'h' },
        agents: { type: 'string' },
        work_dir: { type: 'string' },
        'work-dir': { type: 'string' },
        port: { type: 'string' },
        'agent-port-base': { type: 'string' },
        json: { type: 'boolean' },
        'ready-timeout': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new DevUsageError((err as Error).message);
  }
  const v = parsed.values;
  const port = integer('--port', v.port, 5050, 0, 65535);
  const agents = integer('--agents', v.agents, 1, 0, 64);
  const defaultBase = port === 0 ? 0 : port + 1;
  const agentPortBase = integer('--agent-port-base', v['agent-port-base'], defaultBase, 0, 65535);
  if (agentPortBase !== 0 && agentPortBase + agents - 1 > 65535) throw new DevUsageError(`--agent-port-base ${agentPortBase} leaves no room for ${agents} agents`);
  if (port !== 0 && agentPortBase !== 0 && port >= agentPortBase && port < agentPortBase + agents) {
    throw new DevUsageError(`--port ${port} collides with the agent ports ${agentPortBase}-${agentPortBase + agents - 1}`);
  }
  return {
    help: v.help === true,
    agents,
    workDir: resolve(cwd, v.work_dir ?? v['work-dir'] ?? '.agora'),
    port,
    agentPortBase,
    json: v.json === true,
    readyTimeoutMs: integer('--ready-timeout', v['ready-timeout'], 30, 1, 3600) * 1000,
  };
}

function integer(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new DevUsageError(`${flag} '${text}' must be a whole number from ${min} to ${max}`);
  return n;
}
