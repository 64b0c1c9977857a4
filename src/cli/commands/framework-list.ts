import { parseArgs } from 'node:util';
import type { MasterFramework, Task } from '../../protocol/index.ts';
import { isTerminalTaskState } from '../../protocol/index.ts';
import { EXIT, type Command } from '../command.ts';
import { reportError } from '../errors.ts';
import { MASTER_OPTIONS, MASTER_OPTIONS_HELP, masterClient, writeJson } from '../options.ts';
import { cell, formatTable } from '../table.ts';

const PATH = ['framework', 'list'];

export const frameworkListCommand: Command = {
  path: PATH,
  summary: 'list the frameworks (schedulers) known to the master',
  help: `usage: agora framework list [--all] [--master HOST:PORT] [--json]

Lists frameworks (operator GET_STATE): id, name, roles, whether it is active (subscribed and
connected) and how many of its tasks are not terminal.

  --all               also list completed (torn down or timed out) frameworks
${MASTER_OPTIONS_HELP}

With --json, prints an array of GET_FRAMEWORKS framework objects, each with an added
"active_tasks" count and "completed": true|false.`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...MASTER_OPTIONS, all: { type: 'boolean' } }, strict: true, allowPositionals: false });
    try {
      const state = await masterClient(values).getState();
      const tasks = [...(state.get_tasks?.tasks ?? []), ...(state.get_tasks?.unreachable_tasks ?? [])];
      const frameworks = state.get_frameworks?.frameworks ?? [];
      const completed = values.all ? (state.get_frameworks?.completed_frameworks ?? []) : [];
      const listed = [...frameworks.map((f) => ({ f, completed: false })), ...completed.map((f) => ({ f, completed: true }))];
      const active = (f: MasterFramework) => activeTaskCount(tasks, f.framework_info.id?.value);
      if (values.json) {
        writeJson(io.stdout, listed.map(({ f, completed: done }) => ({ ...f, active_tasks: active(f), completed: done })));
        return EXIT.OK;
      }
      if (listed.length === 0) {
        io.stdout.write(values.all ? 'no frameworks\n' : 'no frameworks are registered (--all also shows completed ones)\n');
        return EXIT.OK;
      }
      const rows = listed.map(({ f, completed: done }) => [
        cell(f.framework_info.id?.value),
        cell(f.framework_info.name),
        cell(roles(f).join(',') || '*'),
        done ? 'completed' : f.active ? 'yes' : 'no',
        String(active(f)),
      ]);
      io.stdout.write(formatTable(['ID', 'NAME', 'ROLES', 'ACTIVE', { header: 'TASKS', align: 'right' }], rows));
      return EXIT.OK;
    } catch (err) {
      return reportError(io, PATH, err);
    }
  },
};

function roles(f: MasterFramework): string[] {
  const info = f.framework_info;
  if (info.roles && info.roles.length > 0) return info.roles;
  return info.role ? [info.role] : [];
}

function activeTaskCount(tasks: readonly Task[], frameworkId: string | undefined): number {
  return tasks.filter((t) => t.framework_id.value === frameworkId && !isTerminalTaskState(t.state)).length;
}
