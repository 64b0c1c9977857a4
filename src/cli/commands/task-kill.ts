import { parseArgs } from 'node:util';
import { isTerminalTaskState } from '../../protocol/index.ts';
import { EXIT, type Command } from '../command.ts';
import { reportError, UsageError } from '../errors.ts';
import { shortState } from '../format.ts';
import { MASTER_OPTIONS, MASTER_OPTIONS_HELP, masterClient, writeJson } from '../options.ts';
import { findTask } from '../task-lookup.ts';

const PATH = ['task', 'kill'];

export const taskKillCommand: Command = {
  path: PATH,
  summary: "kill a task (explains who can; --teardown-framework kills its framework)",
  help: `usage: agora task kill TASK [--teardown-framework] [--framework ID] [--master HOST:PORT] [--json]

Mesos has no operator call that kills one task: a task belongs to the framework that launched it,
and only that framework may kill it (the scheduler API's KILL), so that it can decide whether to
replace the task. Upstream tools follow this: the 'mesos' CLI has no 'task kill', and DC/OS kills
tasks through their framework ('dcos marathon task kill'). Agora keeps that contract.

Without --teardown-framework this command looks the task up and says which framework owns it
and how to stop it; it exits 1 without changing anything (0 if the task has already ended).
For a task started by 'agora run', press Ctrl-C in that 'agora run' (it kills the task).

  --teardown-framework  tear down the task's WHOLE framework (operator TEARDOWN): the master
                        removes the framework and kills EVERY task it has, not just TASK. Use it
                        for frameworks that are gone or stuck; a live scheduler sees itself
                        removed.
  --framework ID        look the task up in this framework only (an id or a name)
${MASTER_OPTIONS_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...MASTER_OPTIONS, 'teardown-framework': { type: 'boolean' }, framework: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    try {
      if (positionals.length !== 1) throw new UsageError('give one task: agora task kill TASK');
      const master = masterClient(values);
      const state = await master.getState();
      const { task } = findTask(state, positionals[0]!, values.framework);
      const frameworkId = task.framework_id.value;
      const framework = (state.get_frameworks?.frameworks ?? []).find((f) => f.framework_info.id?.value === frameworkId);
      const frameworkLabel = framework ? `'${framework.framework_info.name}' (${frameworkId})` : `'${frameworkId}'`;
      const siblings = (state.get_tasks?.tasks ?? []).filter((t) => t.framework_id.value === frameworkId && !isTerminalTaskState(t.state));
      const result = { task_id: task.task_id.value, framework_id: frameworkId, state: task.state, torn_down: false, tasks_killed: 0 };

      if (isTerminalTaskState(task.state)) {
        if (values.json) writeJson(io.stdout, result);
        else io.stdout.write(`task '${task.task_id.value}' has already ended (${shortState(task.state)})\n`);
        return EXIT.OK;
      }
      if (!values['teardown-framework']) {
        if (values.json) writeJson(io.stdout, result);
        io.stderr.write(
          `agora task kill: task '${task.task_id.value}' belongs to framework ${frameworkLabel}; only that framework can kill one of its tasks.\n` +
            `  - if it was started with 'agora run', press Ctrl-C in that 'agora run'\n` +
            `  - otherwise use the framework's own tools (its API or UI)\n` +
            `  - or tear the whole framework down, killing all ${siblings.length} of its active task(s):\n` +
            `      agora task kill ${task.task_id.value} --teardown-framework\n`,
        );
        return EXIT.FAILURE;
      }
      if (!framework) {
        throw new UsageError(`framework ${frameworkLabel} is not registered any more; the master cleans up its tasks itself`);
      }
      await master.teardown(frameworkId);
      result.torn_down = true;
      result.tasks_killed = siblings.length;
      if (values.json) writeJson(io.stdout, result);
      else io.stdout.write(`tore down framework ${frameworkLabel}; its ${siblings.length} active task(s), including '${task.task_id.value}', are being killed\n`);
      return EXIT.OK;
    } catch (err) {
      return reportError(io, PATH, err);
    }
  },
};
