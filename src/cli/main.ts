// `agora <noun> <verb> ...`: finds the command whose path matches the leading words and runs it.
import { EXIT, type Command, type CommandIO } from './command.ts';
import { agentListCommand } from './commands/agent-list.ts';
import { frameworkListCommand } from './commands/framework-list.ts';
import { launcherCommands } from './commands/launchers.ts';
import { runCommand } from './commands/run.ts';
import { taskKillCommand } from './commands/task-kill.ts';
import { taskListCommand } from './commands/task-list.ts';
import { taskLogCommand } from './commands/task-log.ts';
import { versionCommand } from './commands/version.ts';

export const COMMANDS: Command[] = [
  ...launcherCommands,
  runCommand,
  agentListCommand,
  frameworkListCommand,
  taskListCommand,
  taskLogCommand,
  taskKillCommand,
  versionCommand,
];

function usage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return `usage: agora <command> [options]

Agora: a cluster manager that speaks the Apache Mesos v1 HTTP APIs.

commands:
${lines.join('\n')}

Run 'agora <command> --help' for a command's options.
Exit codes: 0 ok, 1 failed, 2 usage error, 69 unavailable.
`;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CommandIO, commands: Command[] = COMMANDS): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.stderr : io.stdout).write(usage(commands));
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  if (argv[0] === '--version') argv = ['version'];
  // Longest matching path wins, so `task list` beats a hypothetical `task`.
  const match = commands
    .filter((c) => c.path.every((w, i) => argv[i] === w))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!match) {
    io.stderr.write(`agora: unknown command '${argv.filter((a) => !a.startsWith('-')).join(' ')}'\n\n${usage(commands)}`);
    return EXIT.USAGE;
  }
  const rest = argv.slice(match.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(match.help + '\n');
    return EXIT.OK;
  }
  try {
    return await match.run(rest, io);
  } catch (err) {
    // parseArgs throws TypeErrors with a `code` for unknown or malformed flags.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`agora ${match.path.join(' ')}: ${(err as Error).message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
}
