// Public API of src/protocol: Mesos v1 wire types (TypeBox schemas + static types), the
// Mesos-JSON codec, envelope validation and one encode/decode helper per API endpoint.
// See README.md for the vocabulary and the JSON rules. Nothing here imports from the rest of
// src/; everything else may import from here.
export * from './schema.ts';
export * from './codec.ts';
export * from './validate-calls.ts';
export * from './api.ts';
export * from './recordio.ts';

export * from './v1/values.ts';
export * from './v1/volume.ts';
export * from './v1/resources.ts';
export * from './v1/command.ts';
export * from './v1/network.ts';
export * from './v1/container.ts';
export * from './v1/discovery.ts';
export * from './v1/health.ts';
export * from './v1/executor.ts';
export * from './v1/task.ts';
export * from './v1/framework.ts';
export * from './v1/offer.ts';
export * from './v1/master-info.ts';
export * from './v1/resource-provider.ts';
export * from './v1/statistics.ts';
export * from './v1/quota.ts';
export * from './v1/maintenance.ts';
export * from './v1/operator-common.ts';
export * from './v1/envelope.ts';
export * from './v1/scheduler.ts';
export * from './v1/executor-api.ts';
export * from './v1/operator-master.ts';
export * from './v1/operator-agent.ts';
