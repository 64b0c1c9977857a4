import { parseArgs } from 'node:util';
import { agentBaseUrl } from '../../client/index.ts';
import { EXIT, type Command } from '../command.ts';
import { reportError } from '../errors.ts';
import { scalarTotal, usedOfTotal } from '../format.ts';
import { MASTER_OPTIONS, MASTER_OPTIONS_HELP, masterClient, writeJson } from '../options.ts';
import { cell, formatTable } from '../table.ts';

const PATH = ['agent', 'list'];

export const agentListCommand: Command = {
  path: PATH,
  summary: 'list the agents registered with the master',
  help: `usage: agora agent list [--master HOST:PORT] [--json]

Lists the agents registered with the master (operator GET_AGENTS): id, hostname, address,
resources in use out of the total (cpus, mem and disk in MB) and whether the agent is active.

${MASTER_OPTIONS_HELP}

With --json, prints the GET_AGENTS response: {"agents": [...], "recovered_agents": [...]}.`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: MASTER_OPTIONS, strict: true, allowPositionals: false });
    try {
      const agents = await masterClient(values).getAgents();
      if (values.json) {
        writeJson(io.stdout, agents);
        return EXIT.OK;
      }
      const list = agents.agents ?? [];
      if (list.length === 0) {
        io.stdout.write('no agents are registered\n');
        return EXIT.OK;
      }
      const rows = list.map((a) => {
        const resource = (name: string) => usedOfTotal(scalarTotal(a.allocated_resources, name), scalarTotal(a.total_resources, name));
        return [
          cell(a.agent_info.id?.value),
          cell(a.agent_info.hostname),
          cell(agentBaseUrl(a).replace(/^https?:\/\//, '')),
          resource('cpus'),
          resource('mem'),
          resource('disk'),
          a.active ? 'yes' : 'no',
        ];
      });
      io.stdout.write(
        formatTable(
          ['ID', 'HOSTNAME', 'ADDRESS', { header: 'CPUS', align: 'right' }, { header: 'MEM', align: 'right' }, { header: 'DISK', align: 'right' }, 'ACTIVE'],
          rows,
        ),
      );
      return EXIT.OK;
    } catch (err) {
      return reportError(io, PATH, err);
    }
  },
};
