// mesos.v1 MasterInfo and AgentInfo (who the master and agents are, as frameworks and
// operators see them) and the agent draining messages.
import type { Static } from '@sinclair/typebox';
import { bool, enumOf, int32, message, optional, repeated, string, uint32 } from '../schema.ts';
import { Resource } from './resources.ts';
import { Address, AgentID, Attribute, DomainInfo, DurationInfo } from './values.ts';

export const MASTER_CAPABILITIES = ['UNKNOWN', 'AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'] as const;
export type MasterCapabilityType = (typeof MASTER_CAPABILITIES)[number];

export const MasterCapability = message('MasterInfo.Capability', {
  type: optional(enumOf(MASTER_CAPABILITIES)),
});
export type MasterCapability = Static<typeof MasterCapability>;

/**
 * Describes a master. `ip` is the IPv4 address packed into a uint32 in network byte order and
 * read as a host integer (MESOS-1201); `address` supersedes `ip`, `port` and `hostname`.
 */
export const MasterInfo = message('MasterInfo', {
  id: string(),
  ip: uint32(),
  port: uint32({ default: 5050 }),
  pid: optional(string()),
  hostname: optional(string()),
  version: optional(string()),
  address: optional(Address),
  domain: optional(DomainInfo),
  capabilities: repeated(MasterCapability),
});
export type MasterInfo = Static<typeof MasterInfo>;

export const AGENT_CAPABILITIES = [
  'UNKNOWN',
  'MULTI_ROLE',
  'HIERARCHICAL_ROLE',
  'RESERVATION_REFINEMENT',
  'RESOURCE_PROVIDER',
  'RESIZE_VOLUME',
  'AGENT_OPERATION_FEEDBACK',
  'AGENT_DRAINING',
  'TASK_RESOURCE_LIMITS',
] as const;
export type AgentCapabilityType = (typeof AGENT_CAPABILITIES)[number];

/** An agent capability; carried next to AgentInfo (e.g. GetAgents.Agent.capabilities). */
export const AgentCapability = message('AgentInfo.Capability', {
  type: optional(enumOf(AGENT_CAPABILITIES)),
});
export type AgentCapability = Static<typeof AgentCapability>;

/**
 * Describes an agent. `resources` are the configured resources (without dynamic reservations or
 * volumes); `port` defaults to 5051; `id` is set once the agent has registered.
 */
export const AgentInfo = message('AgentInfo', {
  hostname: string(),
  port: optional(int32({ default: 5051 })),
  resources: repeated(Resource),
  attributes: repeated(Attribute),
  id: optional(AgentID),
  domain: optional(DomainInfo),
});
export type AgentInfo = Static<typeof AgentInfo>;

export const DRAIN_STATES = ['UNKNOWN', 'DRAINING', 'DRAINED'] as const;
export type DrainState = (typeof DRAIN_STATES)[number];

/**
 * How an agent is drained: `max_grace_period` caps task kill grace periods; `mark_gone`
 * (default false) removes the agent for good once drained.
 */
export const DrainConfig = message('DrainConfig', {
  max_grace_period: optional(DurationInfo),
  mark_gone: optional(bool({ default: false })),
});
export type DrainConfig = Static<typeof DrainConfig>;

export const DrainInfo = message('DrainInfo', {
  state: enumOf(DRAIN_STATES),
  config: DrainConfig,
});
export type DrainInfo = Static<typeof DrainInfo>;
