// Where the agent finds the default executor (task groups, ExecutorInfo type DEFAULT): like the
// command executor, the TypeScript sources of src/executor/default are type-stripped once into
// `<work_dir>/lib/default-executor/*.mjs` (src/common/js-build.ts) and run by this Node binary
// without its TypeScript support, so each executor starts faster and smaller. Built on the first
// task group an agent runs (a few ms when the build under the work dir is current), not at start.
import { join, resolve } from 'node:path';
import { buildJsModules } from '../common/js-build.ts';

/** The default executor program, relative to this module. */
export const DEFAULT_EXECUTOR_PATH = resolve(import.meta.dirname, '../executor/default/main.ts');

/** argv of the default executor, built under `workDir` on first use and then remembered. */
export function defaultExecutorArgv(workDir: string): () => string[] {
  let argv: string[] | undefined;
  return () => {
    if (argv === undefined) {
      const entry = buildJsModules(DEFAULT_EXECUTOR_PATH, resolve(import.meta.dirname, '..'), join(workDir, 'lib', 'default-executor'));
      argv = [process.execPath, '--no-experimental-strip-types', entry];
    }
    return argv;
  };
}
