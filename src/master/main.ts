// `agora master ARGS`: parse the flags, start the master, log "master listening" with the port
// and url, and stop cleanly on SIGTERM or SIGINT. Returns the exit code (0 ok, 1 failed to
// start, 2 usage error).
import { mkdirSync } from 'node:fs';
import { AgoraError } from '../common/errors.ts';
import { flagsHelp } from '../common/flags.ts';
import { createLogger } from '../common/log.ts';
import { MASTER_FLAGS, masterOptionsFromFlags, parseMasterFlags, toLogLevel } from './flags.ts';
import type { MasterOptions } from './options.ts';
import { startMaster } from './server.ts';

export async function masterMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: agora master [--flag=value ...]\n\n${flagsHelp(MASTER_FLAGS)}\n`);
    return 0;
  }
  let options: MasterOptions;
  let level;
  try {
    const flags = parseMasterFlags(argv, env);
    options = masterOptionsFromFlags(flags);
    level = toLogLevel(flags.logging_level);
  } catch (err) {
    process.stderr.write(`agora master: ${(err as Error).message}\n`);
    return err instanceof AgoraError ? 2 : 1;
  }
  const logger = createLogger({ level, base: { process: 'master' } });
  try {
    if (options.workDir !== undefined) mkdirSync(options.workDir, { recursive: true });
    const running = await startMaster({ ...options, logger });
    logger.info({ port: running.port, url: running.url, masterId: running.masterId }, 'master listening');
    const stopped = await Promise.race([
      new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      }),
      running.registryFailed,
    ]);
    if (stopped instanceof Error) {
      // As Mesos' master aborts when its registrar fails: a restart recovers from what is durable.
      logger.fatal({ err: stopped }, 'registry failed: the master exits');
      await running.stop();
      logger.flush();
      return 1;
    }
    const signal = stopped;
    logger.info({ signal }, 'master stopping');
    await running.stop();
    logger.info('master stopped');
    logger.flush();
    return 0;
  } catch (err) {
    logger.fatal({ err }, 'master failed');
    logger.flush();
    return 1;
  }
}
