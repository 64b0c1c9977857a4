// The `agora` executable: wiring only. The long-running processes (`agora master`, `agora agent`,
// `agora dev`) are separate entry points loaded with a dynamic import, so the operator CLI never
// loads daemon code and a daemon never loads the CLI; everything else is the CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, type CommandIO } from './cli/command.ts';
import { COMMANDS, runCli } from './cli/main.ts';
import { ignoreExperimentalWarnings } from './common/experimental.ts';

/** A process entry point: `agora <name> ARGS` calls `<exportName>(ARGS)`. */
type Launcher = { module: string; exportName: string };

export const LAUNCHERS: Record<string, Launcher> = {
  master: { module: './master/main.ts', exportName: 'masterMain' },
  agent: { module: './agent/main.ts', exportName: 'agentMain' },
  dev: { module: './dev/main.ts', exportName: 'devMain' },
  sim: { module: './sim/main.ts', exportName: 'simMain' },
};

const ISSUE = 'Master, agent and command executor end to end';

/**
 * Runs `agora ARGV` and returns the exit code. `baseUrl` is where the launcher modules are
 * looked up (this file's URL; tests point it elsewhere).
 */
export async function dispatch(argv: string[], io: CommandIO, baseUrl: string = import.meta.url): Promise<number> {
  const name = argv[0];
  const launcher = name !== undefined ? LAUNCHERS[name] : undefined;
  // `agora agent list` is the CLI; `agora agent --master=...` is the daemon (its flags all
  // start with --, so a second word names a CLI command).
  const cliCommand = COMMANDS.some((c) => c.path.length > 1 && c.path.every((w, i) => argv[i] === w));
  if (!launcher || cliCommand) return runCli(argv, io);
  // The daemons use node:sqlite (the registry) and type stripping (the executor build) on
  // purpose; their one-time warnings must not break the JSON logs. Before the import below,
  // because node:sqlite warns while the master's modules load.
  ignoreExperimentalWarnings(['SQLite', 'stripTypeScriptTypes']);
  const url = new URL(launcher.module, baseUrl);
  // Checked before importing so that a missing entry point is told apart from a broken one
  // (an ERR_MODULE_NOT_FOUND from inside a present module is a real bug and must surface).
  if (!existsSync(fileURLToPath(url))) {
    io.stderr.write(`agora ${name}: not built yet; lands with the issue "${ISSUE}"\n`);
    return EXIT.UNAVAILABLE;
  }
  const mod = (await import(url.href)) as Record<string, unknown>;
  const entry = mod[launcher.exportName];
  if (typeof entry !== 'function') {
    io.stderr.write(`agora ${name}: ${launcher.module} does not export ${launcher.exportName}()\n`);
    return EXIT.UNAVAILABLE;
  }
  // A daemon's entry point may resolve with an exit code, or with nothing and set
  // process.exitCode itself when it stops.
  const code: unknown = await (entry as (args: string[]) => unknown)(argv.slice(1));
  return typeof code === 'number' ? code : typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
}

if (import.meta.main) {
  process.exitCode = await dispatch(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
