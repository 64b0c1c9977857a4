// What `agora run` launches, decided without I/O: the resources taken from an offer, the
// TaskInfo, and the process exit code a task's final status maps to.
import { constants } from 'node:os';
import type { CommandInfo, Offer, Resource, TaskInfo, TaskStatus } from '../../protocol/index.ts';

export type RunSpec = {
  name: string;
  taskId: string;
  cpus: number;
  mem: number;
  role: string;
  env: Record<string, string>;
  uris: string[];
  /** `--command STRING`: run with `sh -c` (shell=true), as mesos-execute's --command. */
  shellCommand?: string;
  /** `-- ARGV...`: run exactly this argv (shell=false, value=argv[0], arguments=argv). */
  argv?: string[];
  /**
   * `--image NAME`: a Docker image, run by the agent's Mesos containerizer (its image provisioner)
   * or, with `--containerizer docker`, by Docker (mesos-execute's --docker_image/--containerizer).
   * Neither a command nor argv: the image's default command.
   */
  image?: { name: string; containerizer: 'mesos' | 'docker'; forcePull: boolean };
};

/** Mesos scalars are fixed point with three decimals; compare and subtract in thousandths. */
const toMilli = (v: number): number => Math.round(v * 1000);

/**
 * The resources to launch with from `offer`, or undefined if it cannot hold `cpus` and `mem`.
 * Takes, for each name, from the offer's pieces in order (resources reserved to the role come
 * before unreserved ones, as mesos-execute's `find` does), copying each piece's role,
 * reservation and allocation so the master recognises them as offered.
 */
export function pickResources(offer: Pick<Offer, 'resources'>, want: { cpus: number; mem: number }): Resource[] | undefined {
  const picked: Resource[] = [];
  for (const [name, amount] of [['cpus', want.cpus], ['mem', want.mem]] as const) {
    let needed = toMilli(amount);
    const pieces = (offer.resources ?? [])
      .filter((r) => r.name === name && r.type === 'SCALAR' && r.scalar && !r.revocable && !r.disk && !r.shared)
      .sort((a, b) => Number(isUnreserved(a)) - Number(isUnreserved(b)));
    for (const piece of pieces) {
      if (needed <= 0) break;
      const take = Math.min(needed, toMilli(piece.scalar!.value));
      if (take <= 0) continue;
      picked.push({ ...piece, scalar: { value: take / 1000 } });
      needed -= take;
    }
    if (needed > 0) return undefined;
  }
  return picked;
}

function isUnreserved(r: Resource): boolean {
  return (r.reservations ?? []).length === 0 && (r.role === undefined || r.role === '*');
}

/** The TaskInfo for `spec` on the offer's agent with `resources` from pickResources. */
export function buildTaskInfo(spec: RunSpec, agentId: string, resources: Resource[]): TaskInfo {
  const command: CommandInfo = {};
  if (spec.shellCommand !== undefined) {
    command.shell = true;
    command.value = spec.shellCommand;
  } else if (spec.argv !== undefined) {
    command.shell = false;
    command.value = spec.argv[0];
    command.arguments = spec.argv;
  } else {
    // The image's default command (Entrypoint/Cmd), as Mesos runs shell=false without a value.
    command.shell = false;
  }
  const variables = Object.entries(spec.env).map(([name, value]) => ({ name, type: 'VALUE' as const, value }));
  if (variables.length > 0) command.environment = { variables };
  if (spec.uris.length > 0) command.uris = spec.uris.map((value) => ({ value, extract: true }));
  const task: TaskInfo = { name: spec.name, task_id: { value: spec.taskId }, agent_id: { value: agentId }, resources, command };
  const image = spec.image;
  if (image?.containerizer === 'docker') {
    task.container = { type: 'DOCKER', docker: { image: image.name, network: 'HOST', force_pull_image: image.forcePull } };
  } else if (image) {
    task.container = { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: image.name }, cached: !image.forcePull } } };
  }
  return task;
}

/** Exit codes for `agora run` beyond the task's own: any failure that has no exit status. */
export const RUN_FAILED = 1;

/**
 * The exit code `agora run` ends with for the task's terminal status:
 * TASK_FINISHED -> 0; `Command exited with status N` -> N; `Command terminated with signal S`
 * (a name such as SIGKILL or Killed, or a number) -> 128 + signal number, as a shell reports it;
 * any other terminal state (FAILED without a status, KILLED, LOST, ERROR, ...) -> 1.
 */
export function exitCodeForStatus(status: Pick<TaskStatus, 'state' | 'message'>): number {
  if (status.state === 'TASK_FINISHED') return 0;
  const message = status.message ?? '';
  const exited = /exited with status (\d+)/i.exec(message);
  if (exited) return Number(exited[1]);
  const signalled = /(?:terminated|killed) (?:with|by) signal:? ?(\S+(?: \S+)?)/i.exec(message);
  if (signalled) {
    const signal = signalNumber(signalled[1]!);
    if (signal !== undefined) return 128 + signal;
  }
  return RUN_FAILED;
}

/** strsignal(3) descriptions, which Mesos's WSTRINGIFY prints ("terminated with signal Killed"). */
const SIGNAL_DESCRIPTIONS: Record<string, number> = {
  hangup: 1,
  interrupt: 2,
  quit: 3,
  aborted: 6,
  killed: 9,
  'segmentation fault': 11,
  'broken pipe': 13,
  'alarm clock': 14,
  terminated: 15,
};

function signalNumber(text: string): number | undefined {
  const word = text.replace(/[.,;]$/, '');
  if (/^\d+$/.test(word)) return Number(word);
  const name = word.toUpperCase();
  const signals = constants.signals as Record<string, number | undefined>;
  const byName = signals[name] ?? signals[`SIG${name}`];
  if (byName !== undefined) return byName;
  const lower = word.toLowerCase();
  return SIGNAL_DESCRIPTIONS[lower] ?? SIGNAL_DESCRIPTIONS[lower.split(' ')[0]!];
}

/** The agent's base URL from an offer's `url` ({scheme, address{hostname, ip, port}}). */
export function agentUrlFromOffer(offer: Pick<Offer, 'url' | 'hostname'>): string | undefined {
  const url = offer.url;
  if (!url) return undefined;
  const host = url.address.ip ?? url.address.hostname ?? offer.hostname;
  return `${url.scheme || 'http'}://${host}:${url.address.port}`;
}
