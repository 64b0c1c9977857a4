export * from './store.ts';
export * from './parse.ts';
export * as checkpointLayout from './layout.ts';
export { writeFileAtomic, appendDurable } from './durable-file.ts';
export * from './recovery-plan.ts';
