import { parseArgs } from 'node:util';
import { agentBaseUrl } from '../../client/index.ts';
import type { MasterGetStateResponse } from '../../protocol/index.ts';
import { EXIT, type Command } from '../command.ts';
import { reportError } from '../errors.ts';
import { shortState } from '../format.ts';
import { MASTER_OPTIONS, MASTER_OPTIONS_HELP, masterClient, writeJson } from '../options.ts';
import { cell, formatTable } from '../table.ts';
import { allTasks, inFramework } from '../task-lookup.ts';

const PATH = ['task', 'list'];

export const taskListCommand: Command = {
  path: PATH,
  summary: 'list tasks (add --all for completed ones)',
  help: `usage: agora task list [--all] [--framework ID|NAME] [--master HOST:PORT] [--json]

Lists the tasks the master knows (operator GET_STATE): id, name, state, framework and the agent
running it. Without --all, only tasks that are not completed (running, staging, unreachable, and
terminal tasks whose last update the framework has not acknowledged yet).

  --all               also list completed tasks
  --framework ID      only tasks of this framework (an id, or a framework name)
${MASTER_OPTIONS_HELP}

With --json, prints an array of v1 Task objects (as GET_TASKS has them).`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { ...MASTER_OPTIONS, all: { type: 'boolean' }, framework: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    try {
      const state = await masterClient(values).getState();
      const tasks = allTasks(state)
        .filter((r) => values.all || !r.completed)
        .filter((r) => inFramework(state, r.task, values.framework))
        .map((r) => r.task);
      if (values.json) {
        writeJson(io.stdout, tasks);
        return EXIT.OK;
      }
      if (tasks.length === 0) {
        io.stdout.write(values.all ? 'no tasks\n' : 'no active tasks (--all also shows completed ones)\n');
        return EXIT.OK;
      }
      const names = frameworkNames(state);
      const agents = agentAddresses(state);
      const rows = tasks.map((t) => [
        cell(t.task_id.value),
        cell(t.name),
        shortState(t.state),
        cell(names.get(t.framework_id.value) ?? t.framework_id.value),
        cell(agents.get(t.agent_id.value) ?? t.agent_id.value),
      ]);
      io.stdout.write(formatTable(['ID', 'NAME', 'STATE', 'FRAMEWORK', 'AGENT'], rows));
      return EXIT.OK;
    } catch (err) {
      return reportError(io, PATH, err);
    }
  },
};

function frameworkNames(state: MasterGetStateResponse): Map<string, string> {
  const all = [...(state.get_frameworks?.frameworks ?? []), ...(state.get_frameworks?.completed_frameworks ?? [])];
  return new Map(all.flatMap((f) => (f.framework_info.id ? [[f.framework_info.id.value, f.framework_info.name] as const] : [])));
}

/** Agent id -> `host:port`, which tells agents on one machine apart (ids are long). */
function agentAddresses(state: MasterGetStateResponse): Map<string, string> {
  const agents = state.get_agents?.agents ?? [];
  return new Map(
    agents.flatMap((a) => (a.agent_info.id ? [[a.agent_info.id.value, agentBaseUrl(a).replace(/^https?:\/\//, '')] as const] : [])),
  );
}
