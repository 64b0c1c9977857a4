// `agora dev`: a local cluster in one command. Entry point `devMain(argv)`, started by src/main.ts.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_HELP, DevUsageError, parseDevArgs, type DevArgs } from './args.ts';
import { describeExit } from './child.ts';
import { DevCluster, type DevClusterInfo } from './cluster.ts';

/** The `agora` exit codes (src/cli/command.ts; dev may not import the CLI). */
const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export async function devMain(argv: string[]): Promise<number> {
  let args: DevArgs;
  try {
    args = parseDevArgs(argv);
  } catch (err) {
    if (!(err instanceof DevUsageError)) throw err;
    process.stderr.write(`agora dev: ${err.message}\n\n${DEV_HELP}\n`);
    return EXIT.USAGE;
  }
  if (args.help) {
    process.stdout.write(DEV_HELP + '\n');
    return EXIT.OK;
  }
  mkdirSync(args.workDir, { recursive: true });
  const lock = join(args.workDir, 'dev.pid');
  const holder = lockHolder(lock);
  if (holder !== undefined) {
    process.stderr.write(`agora dev: another agora dev (pid ${holder}) is using ${args.workDir}; stop it or pass another --work_dir\n`);
    return EXIT.FAILURE;
  }
  writeFileSync(lock, `${process.pid}\n`);

  const cluster = new DevCluster({
    workDir: args.workDir,
    agents: args.agents,
    port: args.port,
    agentPortBase: args.agentPortBase,
    terminal: process.stderr,
    readyTimeoutMs: args.readyTimeoutMs,
  });
  // Whatever happens, never leave children behind.
  const onExit = () => {
    cluster.killAll();
    removeLock(lock);
  };
  process.on('exit', onExit);
  let stopRequested: (signal: NodeJS.Signals) => void = () => {};
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (stopRequested = resolve));
  const onSignal = (signal: NodeJS.Signals) => stopRequested(signal);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  try {
    let info: DevClusterInfo | null;
    try {
      info = (await Promise.race([cluster.start(), stopSignal.then(() => null)])) ?? (await stopped(cluster));
    } catch (err) {
      process.stderr.write(`agora dev: the cluster did not come up: ${(err as Error).message}\n`);
      for (const child of cluster.children) printTail(child.name, child.logPath, child.tail());
      return EXIT.FAILURE;
    }
    if (!info) return EXIT.OK;
    process.stdout.write(args.json ? JSON.stringify(info) + '\n' : summary(info));

    const outcome = await Promise.race([stopSignal.then((signal) => ({ signal })), cluster.firstExit()]);
    if ('signal' in outcome) {
      if (!args.json) process.stderr.write(`agora dev: ${outcome.signal}; stopping the cluster\n`);
      await cluster.stop();
      return EXIT.OK;
    }
    const { child, exit } = outcome;
    process.stderr.write(`agora dev: ${child.name} stopped unexpectedly (${describeExit(exit)}); stopping the cluster\n`);
    printTail(child.name, child.logPath, child.tail());
    await cluster.stop();
    return EXIT.FAILURE;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.off('exit', onExit);
    cluster.killAll();
    removeLock(lock);
  }
}

/** A signal arrived while starting: stop what was started; resolves to null (nothing to print). */
async function stopped(cluster: DevCluster): Promise<null> {
  await cluster.stop();
  return null;
}

function summary(info: DevClusterInfo): string {
  const rows = [
    ['master', info.master.url, `Mesos APIs, /master/state; log ${info.master.log}`],
    ...info.agents.map((a) => [a.name, a.url, `agent ${a.agent_id || '(id unknown)'}; log ${a.log}`]),
  ];
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  const lines = rows.map((r) => `  ${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`);
  const address = info.master.url.replace(/^https?:\/\//, '');
  const flag = address === '127.0.0.1:5050' ? '' : ` --master ${address}`;
  return `agora dev: cluster is up (work dir ${info.work_dir})
${lines.join('\n')}

Try:  agora run${flag} -- echo hello
      agora task list${flag} --all
Stop with Ctrl-C.
`;
}

function printTail(name: string, logPath: string, lines: string[]): void {
  if (lines.length === 0) return;
  process.stderr.write(`--- last lines of ${name} (${logPath}) ---\n${lines.join('\n')}\n---\n`);
}

/** The pid of a live `agora dev` holding the work dir, if any (a stale file is ignored). */
function lockHolder(lock: string): number | undefined {
  if (!existsSync(lock)) return undefined;
  const pid = Number(readFileSync(lock, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive but not ours; ESRCH: gone.
    return (err as { code?: string }).code === 'EPERM' ? pid : undefined;
  }
}

function removeLock(lock: string): void {
  try {
    if (readFileSync(lock, 'utf8').trim() === String(process.pid)) rmSync(lock);
  } catch {
    // Already gone.
  }
}
