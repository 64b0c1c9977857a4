// `agora sim`: a simulated cluster against a running master. Entry point `simMain(argv)`, started
// by src/main.ts. Registers the agents, runs the frameworks for --duration (or until SIGINT or
// SIGTERM), then prints a summary: a short report, or JSON with --json.
import { flagsHelp } from '../common/flags.ts';
import { AgoraError } from '../common/errors.ts';
import { SimCluster, type SimSummary } from './cluster.ts';
import { clusterOptions, parseSimFlags, SIM_FLAGS } from './options.ts';

/** The `agora` exit codes (src/cli/command.ts; sim may not import the CLI). */
const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export const SIM_HELP = `usage: agora sim [flags]

Simulates a cluster against a running master: --agents agents, each a real client of the master's
agent protocol over loopback HTTP whose executors are simulated (a task goes STARTING, RUNNING,
then FINISHED after --task_duration; no process is started), and --frameworks frameworks (v1
scheduler API clients) that want --tasks_per_agent tasks per agent at start and --task_rate more
per second, launch as many as fit on each offer, decline the rest and suppress when idle.

flags:
${flagsHelp(SIM_FLAGS)}`;

export async function simMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SIM_HELP + '\n');
    return EXIT.OK;
  }
  let flags;
  let options;
  try {
    flags = parseSimFlags(argv, process.env);
    options = clusterOptions(flags, process.env.USER ?? 'root');
  } catch (err) {
    if (!(err instanceof AgoraError)) throw err;
    process.stderr.write(`agora sim: ${err.message}\n\nRun 'agora sim --help' for the flags.\n`);
    return EXIT.USAGE;
  }
  const cluster = new SimCluster(options);
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = (): void => stopRequested();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = setInterval(() => process.stderr.write(progressLine(cluster.summary()) + '\n'), 5_000);
  progress.unref();
  let code: number = EXIT.OK;
  try {
    process.stderr.write(`agora sim: registering ${flags.agents} agents with ${options.masterUrl}\n`);
    await cluster.start();
    process.stderr.write(`agora sim: ${flags.agents} agents registered in ${cluster.summary().agents.registration_ms} ms\n`);
    const keepAlive = setInterval(() => undefined, 1 << 30);
    await (flags.duration > 0 ? Promise.race([stopped, new Promise((r) => setTimeout(r, flags.duration))]) : stopped);
    clearInterval(keepAlive);
  } catch (err) {
    process.stderr.write(`agora sim: ${(err as Error).message}\n`);
    code = EXIT.FAILURE;
  } finally {
    clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const summary = cluster.summary();
  await cluster.stop({ teardown: flags.teardown });
  process.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + '\n' : report(summary));
  return code;
}

function progressLine(s: SimSummary): string {
  const states = Object.entries(s.tasks.by_state).map(([k, v]) => `${k.replace('TASK_', '').toLowerCase()}=${v}`).join(' ');
  return `agora sim: ${Math.round(s.elapsed_ms / 1000)} s, ${s.agents.connected}/${s.agents.configured} agents connected, tasks received ${s.tasks.received}, completed ${s.tasks.completed}${states ? `, now ${states}` : ''}`;
}

function report(s: SimSummary): string {
  const lines = [
    `agents: ${s.agents.connected}/${s.agents.configured} connected; ${s.agents.registrations} registrations, ${s.agents.reregistrations} re-registrations, ${s.agents.subscribe_failures} failed; all registered in ${s.agents.registration_ms ?? '-'} ms`,
    `tasks: ${s.tasks.received} received by agents, ${s.tasks.completed} completed; updates ${JSON.stringify(s.tasks.updates_sent)}`,
  ];
  for (const f of s.frameworks) {
    const l = f.launch_to_running_ms;
    lines.push(
      `${f.name}: submitted ${f.submitted}, launched ${f.launched}, RUNNING seen ${f.running_seen}, terminal ${JSON.stringify(f.terminal_seen)}; offers ${f.offers} (${f.declined} declined); launch→RUNNING p50 ${l.p50 ?? '-'} ms, p99 ${l.p99 ?? '-'} ms`,
    );
  }
  return lines.join('\n') + '\n';
}
