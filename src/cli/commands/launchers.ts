// The process commands `agora master`, `agora agent`, `agora dev` and `agora sim`. The `agora` executable
// (src/main.ts) starts them before the CLI is loaded, so the CLI only lists them in its help.
// Reaching one of these entries means runCli was called directly, without src/main.ts.
import { EXIT, type Command } from '../command.ts';

function launcher(name: string, summary: string): Command {
  return {
    path: [name],
    summary,
    help: `usage: agora ${name} [flags]\n\n${summary}. Run 'agora ${name} --help' for its flags.`,
    run(_args, io) {
      io.stderr.write(`agora ${name}: started by the agora executable (bin/agora ${name} ...), not from inside the CLI\n`);
      return EXIT.USAGE;
    },
  };
}

export const launcherCommands: Command[] = [
  launcher('dev', 'start a local cluster (a master and agents) under a work dir'),
  launcher('master', 'run a master'),
  launcher('agent', 'run an agent'),
  launcher('sim', 'simulate agents and frameworks against a running master (scale testing)'),
];
