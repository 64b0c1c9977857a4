// mesos.v1 ExecutorInfo: the process that runs tasks on an agent (the built-in command or
// default executor, or a framework's custom one).
import type { Static } from '@sinclair/typebox';
import { bytes, enumOf, message, optional, repeated, string } from '../schema.ts';
import { CommandInfo } from './command.ts';
import { ContainerInfo } from './container.ts';
import { DiscoveryInfo } from './discovery.ts';
import { Resource } from './resources.ts';
import { DurationInfo, ExecutorID, FrameworkID, Labels } from './values.ts';

/**
 * DEFAULT is the built-in default executor (task groups; `command` must be unset); CUSTOM is a
 * framework's executor (`command` required). For LAUNCH an unset type is inferred from whether
 * `command` is set; LAUNCH_GROUP requires it.
 */
export const EXECUTOR_TYPES = ['UNKNOWN', 'DEFAULT', 'CUSTOM'] as const;
export type ExecutorType = (typeof EXECUTOR_TYPES)[number];

export const ExecutorInfo = message('ExecutorInfo', {
  type: optional(enumOf(EXECUTOR_TYPES)),
  executor_id: ExecutorID,
  framework_id: optional(FrameworkID),
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
  resources: repeated(Resource),
  name: optional(string()),
  source: optional(string({ deprecated: true })),
  data: optional(bytes()),
  discovery: optional(DiscoveryInfo),
  shutdown_grace_period: optional(DurationInfo),
  labels: optional(Labels),
});
export type ExecutorInfo = Static<typeof ExecutorInfo>;
