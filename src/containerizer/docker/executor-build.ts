// The Docker executor program (src/executor/docker/main.ts) as plain JavaScript under the work
// dir, as the agent does for the command executor: built once per agent start, on the first
// Docker task, so every Docker executor starts without Node's TypeScript support. The executor
// module is only named by path here (the containerizer does not import executor code).
import { join, resolve } from 'node:path';
import { buildJsModules } from '../../common/js-build.ts';

export const DOCKER_EXECUTOR_PATH = resolve(import.meta.dirname, '../../executor/docker/main.ts');

/** argv of the Docker executor, built into `<work_dir>/lib/docker-executor`. */
export function buildDockerExecutor(workDir: string): string[] {
  const entry = buildJsModules(DOCKER_EXECUTOR_PATH, resolve(import.meta.dirname, '../..'), join(workDir, 'lib', 'docker-executor'));
  return [process.execPath, '--no-experimental-strip-types', entry];
}
