// Public API of src/master: the `agora master` entry point and an in-process starter for tests.
// Nothing else in src/ imports the master; agents and frameworks meet it over HTTP.
export { masterMain } from './main.ts';
export { startMaster, type RunningMaster } from './server.ts';
export type { MasterOptions } from './options.ts';
export { InMemoryRegistry, type MasterRegistry } from './registry.ts';
export { MASTER_FLAGS } from './flags.ts';
