// Commands whose implementation has not landed yet. They exist so `agora --help` shows the
// whole shape of the tool and so scripts get a clear message and a distinct exit code
// (EXIT.UNAVAILABLE) rather than "unknown command".
import { EXIT, type Command } from '../command.ts';

function notBuilt(path: string[], summary: string, issue: string): Command {
  return {
    path,
    summary: `${summary} (not built yet)`,
    help: `usage: agora ${path.join(' ')} ...\n\n${summary}.\nNot built yet: lands with the issue "${issue}".`,
    run(_args, io) {
      io.stderr.write(`agora ${path.join(' ')}: not built yet; lands with the issue "${issue}"\n`);
      return EXIT.UNAVAILABLE;
    },
  };
}

const MASTER_ISSUE = 'Master, agent and command executor end to end';

export const notBuiltCommands: Command[] = [
  notBuilt(['dev'], 'start a local cluster (master + agents) under a work dir', MASTER_ISSUE),
  notBuilt(['master'], 'run a master', MASTER_ISSUE),
  notBuilt(['agent'], 'run an agent', MASTER_ISSUE),
  notBuilt(['run'], 'run a one-off command task on the cluster', MASTER_ISSUE),
];
