// mesos.v1 offers and operations: Offer, InverseOffer, Offer.Operation (what a framework does
// with an offer), Filters, and the operation feedback messages (OperationStatus, Operation).
import type { Static } from '@sinclair/typebox';
import { double, enumOf, message, optional, repeated, string } from '../schema.ts';
import { ExecutorInfo } from './executor.ts';
import { DiskSourceType, Resource, AllocationInfo } from './resources.ts';
import { TaskGroupInfo, TaskInfo } from './task.ts';
import {
  AgentID,
  Attribute,
  DomainInfo,
  ExecutorID,
  FrameworkID,
  OfferID,
  OperationID,
  ResourceProviderID,
  Scalar,
  Unavailability,
  URLInfo,
  UUID,
} from './values.ts';

/**
 * How long resources a framework did not use stay refused to it (seconds, default 5; Mesos caps
 * it at 31536000 and treats a negative value as the default).
 */
export const Filters = message('Filters', { refuse_seconds: optional(double({ default: 5 })) });
export type Filters = Static<typeof Filters>;

/**
 * `mesos.v1.Request`: a resource request (scheduler REQUEST call); the built-in allocator
 * ignores it. Exported as ResourceRequest so that importing it never shadows the global `Request`.
 */
export const ResourceRequest = message('Request', {
  agent_id: optional(AgentID),
  resources: repeated(Resource),
});
export type ResourceRequest = Static<typeof ResourceRequest>;

export const OFFER_OPERATION_TYPES = [
  'UNKNOWN',
  'LAUNCH',
  'LAUNCH_GROUP',
  'RESERVE',
  'UNRESERVE',
  'CREATE',
  'DESTROY',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'CREATE_DISK',
  'DESTROY_DISK',
] as const;
export type OfferOperationType = (typeof OFFER_OPERATION_TYPES)[number];

export const LaunchOperation = message('Offer.Operation.Launch', { task_infos: repeated(TaskInfo) });
export type LaunchOperation = Static<typeof LaunchOperation>;

/** Launch a task group on a DEFAULT executor, atomically. */
export const LaunchGroupOperation = message('Offer.Operation.LaunchGroup', {
  executor: ExecutorInfo,
  task_group: TaskGroupInfo,
});
export type LaunchGroupOperation = Static<typeof LaunchGroupOperation>;

/** `source` (optional) is the resources before, `resources` the ones with the new reservation. */
export const ReserveOperation = message('Offer.Operation.Reserve', {
  source: repeated(Resource),
  resources: repeated(Resource),
});
export type ReserveOperation = Static<typeof ReserveOperation>;

export const UnreserveOperation = message('Offer.Operation.Unreserve', {
  resources: repeated(Resource),
});
export type UnreserveOperation = Static<typeof UnreserveOperation>;

/** Create persistent volumes (Resources with disk.persistence and disk.volume). */
export const CreateOperation = message('Offer.Operation.Create', { volumes: repeated(Resource) });
export type CreateOperation = Static<typeof CreateOperation>;

export const DestroyOperation = message('Offer.Operation.Destroy', { volumes: repeated(Resource) });
export type DestroyOperation = Static<typeof DestroyOperation>;

export const GrowVolumeOperation = message('Offer.Operation.GrowVolume', {
  volume: Resource,
  addition: Resource,
});
export type GrowVolumeOperation = Static<typeof GrowVolumeOperation>;

export const ShrinkVolumeOperation = message('Offer.Operation.ShrinkVolume', {
  volume: Resource,
  subtract: Scalar,
});
export type ShrinkVolumeOperation = Static<typeof ShrinkVolumeOperation>;

/** Turn a RAW disk into a MOUNT or BLOCK disk backed by a CSI volume. */
export const CreateDiskOperation = message('Offer.Operation.CreateDisk', {
  source: Resource,
  target_type: DiskSourceType,
  target_profile: optional(string()),
});
export type CreateDiskOperation = Static<typeof CreateDiskOperation>;

export const DestroyDiskOperation = message('Offer.Operation.DestroyDisk', { source: Resource });
export type DestroyDiskOperation = Static<typeof DestroyDiskOperation>;

/**
 * One operation in an ACCEPT: `type` plus the matching sub-message. An `id` asks for
 * UPDATE_OPERATION_STATUS feedback; LAUNCH and LAUNCH_GROUP must not have one (their feedback
 * is task status updates).
 */
export const OfferOperation = message('Offer.Operation', {
  type: optional(enumOf(OFFER_OPERATION_TYPES)),
  id: optional(OperationID),
  launch: optional(LaunchOperation),
  launch_group: optional(LaunchGroupOperation),
  reserve: optional(ReserveOperation),
  unreserve: optional(UnreserveOperation),
  create: optional(CreateOperation),
  destroy: optional(DestroyOperation),
  grow_volume: optional(GrowVolumeOperation),
  shrink_volume: optional(ShrinkVolumeOperation),
  create_disk: optional(CreateDiskOperation),
  destroy_disk: optional(DestroyDiskOperation),
});
export type OfferOperation = Static<typeof OfferOperation>;

/**
 * Resources on one agent offered to one of a framework's roles. Every resource carries the same
 * `allocation_info` as the offer. The master always sets `url` (the agent's `/slave(1)` URL).
 */
export const Offer = message('Offer', {
  id: OfferID,
  framework_id: FrameworkID,
  agent_id: AgentID,
  hostname: string(),
  url: optional(URLInfo),
  domain: optional(DomainInfo),
  resources: repeated(Resource),
  attributes: repeated(Attribute),
  executor_ids: repeated(ExecutorID),
  unavailability: optional(Unavailability),
  allocation_info: optional(AllocationInfo),
});
export type Offer = Static<typeof Offer>;

/** A request to give resources back (maintenance); no `resources` means all of them. */
export const InverseOffer = message('InverseOffer', {
  id: OfferID,
  url: optional(URLInfo),
  framework_id: FrameworkID,
  agent_id: optional(AgentID),
  unavailability: Unavailability,
  resources: repeated(Resource),
});
export type InverseOffer = Static<typeof InverseOffer>;

export const OPERATION_STATES = [
  'OPERATION_UNSUPPORTED',
  'OPERATION_PENDING',
  'OPERATION_FINISHED',
  'OPERATION_FAILED',
  'OPERATION_ERROR',
  'OPERATION_DROPPED',
  'OPERATION_UNREACHABLE',
  'OPERATION_GONE_BY_OPERATOR',
  'OPERATION_RECOVERING',
  'OPERATION_UNKNOWN',
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export const TERMINAL_OPERATION_STATES: ReadonlySet<OperationState> = new Set<OperationState>([
  'OPERATION_FINISHED',
  'OPERATION_FAILED',
  'OPERATION_ERROR',
  'OPERATION_DROPPED',
  'OPERATION_GONE_BY_OPERATOR',
]);

/**
 * An operation status update. `uuid` is set when the update must be acknowledged
 * (ACKNOWLEDGE_OPERATION_STATUS); `converted_resources` only with OPERATION_FINISHED.
 */
export const OperationStatus = message('OperationStatus', {
  operation_id: optional(OperationID),
  state: enumOf(OPERATION_STATES),
  message: optional(string()),
  converted_resources: repeated(Resource),
  uuid: optional(UUID),
  agent_id: optional(AgentID),
  resource_provider_id: optional(ResourceProviderID),
});
export type OperationStatus = Static<typeof OperationStatus>;

/** An operation as the master and agent track it (operator GET_OPERATIONS). */
export const Operation = message('Operation', {
  framework_id: optional(FrameworkID),
  agent_id: optional(AgentID),
  info: OfferOperation,
  latest_status: OperationStatus,
  statuses: repeated(OperationStatus),
  uuid: UUID,
});
export type Operation = Static<typeof Operation>;
