// The allocator's public input and output shapes. Inputs are what the master knows (framework
// and agent info, already validated); outputs are decisions as data, which the master turns
// into Offer objects and debug logs.
import type { Resources } from '../common/resources/index.ts';
import type { MinAllocatableSpec } from './min-allocatable.ts';
import type { SorterKind } from './sorter.ts';

/** Capabilities the allocator looks at (FrameworkInfo.Capability.Type names); others are ignored. */
export type FrameworkCapability =
  | 'MULTI_ROLE'
  | 'GPU_RESOURCES'
  | 'REVOCABLE_RESOURCES'
  | 'SHARED_RESOURCES'
  | 'RESERVATION_REFINEMENT'
  | (string & {});

/** A framework as the allocator sees it (from FrameworkInfo plus SUBSCRIBE/UPDATE_FRAMEWORK options). */
export type FrameworkSpec = {
  readonly frameworkId: string;
  /** The roles it subscribes to (FrameworkInfo.roles, or [role] for a legacy framework). */
  readonly roles: readonly string[];
  readonly capabilities?: readonly FrameworkCapability[];
  /** Roles to start suppressed (`suppressed_roles` at SUBSCRIBE / UPDATE_FRAMEWORK). */
  readonly suppressedRoles?: readonly string[];
  /** `offer_filters[role].min_allocatable_resources`; an empty list means anything is allocatable. */
  readonly minAllocatable?: Readonly<Record<string, MinAllocatableSpec>>;
};

/** An agent as the allocator sees it. */
export type AgentSpec = {
  readonly agentId: string;
  readonly hostname?: string;
  /** Everything the agent has (reservations, persistent volumes and revocable resources included). */
  readonly total: Resources;
  /** Resources already in use per framework id (each carrying its allocation role), e.g. after a master failover. */
  readonly used?: ReadonlyMap<string, Resources>;
  /** Draining agents get no new offers (DRAIN_AGENT). */
  readonly draining?: boolean;
  /** Deactivated agents get no new offers (DEACTIVATE_AGENT, maintenance). */
  readonly deactivated?: boolean;
};

/** Changes to an agent; absent fields stay as they are. */
export type AgentUpdate = {
  readonly total?: Resources;
  readonly draining?: boolean;
  readonly deactivated?: boolean;
};

/** Quota of one role in units (`{cpus: 4, mem: 4096}`); only scalar resources. */
export type QuotaSpec = {
  readonly guarantees?: Readonly<Record<string, number>>;
  readonly limits?: Readonly<Record<string, number>>;
};

/** A conversion applied by RESERVE, UNRESERVE, CREATE or DESTROY (Mesos `ResourceConversion`). */
export type ResourceConversion = { readonly consumed: Resources; readonly converted: Resources };

/** Outcome of an operation that may be refused without being a bug. */
export type UpdateResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export type AllocatorOptions = {
  /** `--role_sorter` (default drf). */
  readonly roleSorter?: SorterKind;
  /** `--framework_sorter` (default drf). */
  readonly frameworkSorter?: SorterKind;
  /** `--min_allocatable_resources` (default `cpus:0.01|mem:32`); [] allows anything. */
  readonly minAllocatable?: MinAllocatableSpec;
  /** `--allocation_interval` in ms (default 1000): a filter lives at least this long (MESOS-4302). */
  readonly allocationIntervalMs?: number;
  /** `--filter_gpu_resources` (default true): agents with GPUs go only to GPU_RESOURCES frameworks. */
  readonly filterGpuResources?: boolean;
  /** `--fair_sharing_excluded_resource_names`. */
  readonly fairnessExcludedResourceNames?: readonly string[];
  /** Distinct scalar resource names supported (default 32). */
  readonly maxScalarResourceNames?: number;
};

/** Which stage of the cycle made an offer: 1 = quota guarantees, 2 = fair share. */
export type Stage = 1 | 2;

/** "Offer these resources on this agent to this framework, for this role." */
export type OfferDecision = {
  readonly frameworkId: string;
  readonly agentId: string;
  /** `allocation_info.role` of every resource in the offer. */
  readonly role: string;
  /** The offered resources, allocated to `role`. */
  readonly resources: Resources;
  readonly stage: Stage;
};

/** Why a (framework, agent) pair was passed over. */
export type SkipReason = 'filtered' | 'min_allocatable' | 'quota_limit' | 'headroom' | 'incapable' | 'no_guarantee_progress';

export const SKIP_REASONS: readonly SkipReason[] = [
  'filtered',
  'min_allocatable',
  'quota_limit',
  'headroom',
  'incapable',
  'no_guarantee_progress',
];

/** Why a framework got no offer for a role in a cycle. */
export type NoOfferReason =
  | 'inactive'
  | 'suppressed'
  /** Never reached: agents ran out before its turn, or none had anything for its role. */
  | 'no_resources'
  | SkipReason;

/** A framework (in one role) that got nothing this cycle, with the reasons counted per agent. */
export type NoOffer = {
  readonly frameworkId: string;
  readonly role: string;
  readonly reason: NoOfferReason;
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
};

/** Counters of one cycle (or of one slice). */
export type CycleStats = {
  agentsConsidered: number;
  agentsProcessed: number;
  offers: number;
  stage1Offers: number;
  filtersExpired: number;
  slices: number;
};

/** The result of a whole cycle. */
export type AllocationResult = {
  readonly offers: OfferDecision[];
  readonly noOffers: NoOffer[];
  readonly stats: CycleStats;
};

/** What one `step` of a sliced cycle did. */
export type CycleSlice = {
  readonly offers: OfferDecision[];
  readonly agentsProcessed: number;
  readonly done: boolean;
};

/**
 * How much work one `step` may do: at most `maxAgents` agents, and/or until `clock()` reaches
 * `deadline` (checked between agents; the clock is the caller's, e.g. `performance.now`).
 */
export type StepBudget = {
  readonly maxAgents?: number;
  readonly deadline?: number;
  readonly clock?: () => number;
};
