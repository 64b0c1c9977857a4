// The v1 scheduler API envelopes (mesos.v1.scheduler, include/mesos/v1/scheduler/
// scheduler.proto): Call (POST /api/v1/scheduler), Event (the SUBSCRIBE RecordIO stream),
// Response, and the offer constraints used by SUBSCRIBE and UPDATE_FRAMEWORK.
import type { Static } from '@sinclair/typebox';
import { bytes, double, enumOf, int32, map, message, optional, repeated, string } from '../schema.ts';
import type { Narrowed } from './envelope.ts';
import { FrameworkInfo } from './framework.ts';
import { KillPolicy } from './health.ts';
import { MasterInfo } from './master-info.ts';
import { Filters, InverseOffer, Offer, OfferOperation, OperationStatus, ResourceRequest } from './offer.ts';
import { TaskStatus } from './task.ts';
import {
  AgentID,
  ExecutorID,
  FrameworkID,
  OfferID,
  OperationID,
  ResourceProviderID,
  TaskID,
} from './values.ts';

// ---------------------------------------------------------------------------------------------
// Offer constraints.

export const PSEUDOATTRIBUTE_TYPES = ['UNKNOWN', 'HOSTNAME', 'REGION', 'ZONE'] as const;
export type PseudoattributeType = (typeof PSEUDOATTRIBUTE_TYPES)[number];

/** What a constraint looks at: exactly one of an attribute name or a pseudoattribute. */
export const AttributeConstraintSelector = message('AttributeConstraint.Selector', {
  pseudoattribute_type: optional(enumOf(PSEUDOATTRIBUTE_TYPES)),
  attribute_name: optional(string()),
});
export type AttributeConstraintSelector = Static<typeof AttributeConstraintSelector>;

/**
 * The test applied to the selected (pseudo)attribute: exactly one field is set. Text predicates
 * always match non-TEXT attributes; regexes use RE2 syntax.
 */
export const AttributeConstraintPredicate = message('AttributeConstraint.Predicate', {
  exists: optional(message('AttributeConstraint.Predicate.Exists', {})),
  not_exists: optional(message('AttributeConstraint.Predicate.NotExists', {})),
  text_equals: optional(message('AttributeConstraint.Predicate.TextEquals', { value: string() })),
  text_not_equals: optional(
    message('AttributeConstraint.Predicate.TextNotEquals', { value: string() }),
  ),
  text_matches: optional(message('AttributeConstraint.Predicate.TextMatches', { regex: string() })),
  text_not_matches: optional(
    message('AttributeConstraint.Predicate.TextNotMatches', { regex: string() }),
  ),
});
export type AttributeConstraintPredicate = Static<typeof AttributeConstraintPredicate>;

export const AttributeConstraint = message('AttributeConstraint', {
  selector: AttributeConstraintSelector,
  predicate: AttributeConstraintPredicate,
});
export type AttributeConstraint = Static<typeof AttributeConstraint>;

/**
 * Per-role offer constraints: an agent matches a role if any group matches, and a group matches
 * if all its constraints do.
 */
export const OfferConstraints = message('OfferConstraints', {
  role_constraints: map(
    message('OfferConstraints.RoleConstraints', {
      groups: repeated(
        message('OfferConstraints.RoleConstraints.Group', {
          attribute_constraints: repeated(AttributeConstraint),
        }),
      ),
    }),
  ),
});
export type OfferConstraints = Static<typeof OfferConstraints>;

// ---------------------------------------------------------------------------------------------
// Calls.

export const SCHEDULER_CALL_TYPES = [
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'UPDATE_FRAMEWORK',
] as const;
export type SchedulerCallType = (typeof SCHEDULER_CALL_TYPES)[number];

/** Call types whose sub-message may be left out (Mesos validation.cpp). */
export const SCHEDULER_CALLS_WITH_OPTIONAL_PAYLOAD = ['UNKNOWN', 'TEARDOWN', 'REVIVE', 'SUPPRESS'] as const;
export type SchedulerCallWithOptionalPayload = (typeof SCHEDULER_CALLS_WITH_OPTIONAL_PAYLOAD)[number];

export const SubscribeCall = message('Call.Subscribe', {
  framework_info: FrameworkInfo,
  suppressed_roles: repeated(string()),
  offer_constraints: optional(OfferConstraints),
});
export type SubscribeCall = Static<typeof SubscribeCall>;

export const AcceptCall = message('Call.Accept', {
  offer_ids: repeated(OfferID),
  operations: repeated(OfferOperation),
  filters: optional(Filters),
});
export type AcceptCall = Static<typeof AcceptCall>;

export const DeclineCall = message('Call.Decline', {
  offer_ids: repeated(OfferID),
  filters: optional(Filters),
});
export type DeclineCall = Static<typeof DeclineCall>;

export const AcceptInverseOffersCall = message('Call.AcceptInverseOffers', {
  inverse_offer_ids: repeated(OfferID),
  filters: optional(Filters),
});
export type AcceptInverseOffersCall = Static<typeof AcceptInverseOffersCall>;

export const DeclineInverseOffersCall = message('Call.DeclineInverseOffers', {
  inverse_offer_ids: repeated(OfferID),
  filters: optional(Filters),
});
export type DeclineInverseOffersCall = Static<typeof DeclineInverseOffersCall>;

/** REVIVE and SUPPRESS: no roles means every role of the framework. */
export const ReviveCall = message('Call.Revive', { roles: repeated(string()) });
export type ReviveCall = Static<typeof ReviveCall>;

export const SuppressCall = message('Call.Suppress', { roles: repeated(string()) });
export type SuppressCall = Static<typeof SuppressCall>;

export const KillCall = message('Call.Kill', {
  task_id: TaskID,
  agent_id: optional(AgentID),
  kill_policy: optional(KillPolicy),
});
export type KillCall = Static<typeof KillCall>;

export const ShutdownCall = message('Call.Shutdown', { executor_id: ExecutorID, agent_id: AgentID });
export type ShutdownCall = Static<typeof ShutdownCall>;

/** Acknowledges a TaskStatus; `uuid` is the status' 16-byte uuid, base64. */
export const AcknowledgeCall = message('Call.Acknowledge', {
  agent_id: AgentID,
  task_id: TaskID,
  uuid: bytes(),
});
export type AcknowledgeCall = Static<typeof AcknowledgeCall>;

export const AcknowledgeOperationStatusCall = message('Call.AcknowledgeOperationStatus', {
  agent_id: optional(AgentID),
  resource_provider_id: optional(ResourceProviderID),
  uuid: bytes(),
  operation_id: OperationID,
});
export type AcknowledgeOperationStatusCall = Static<typeof AcknowledgeOperationStatusCall>;

/** RECONCILE: no tasks means implicit reconciliation (every task the framework has). */
export const ReconcileCall = message('Call.Reconcile', {
  tasks: repeated(
    message('Call.Reconcile.Task', { task_id: TaskID, agent_id: optional(AgentID) }),
  ),
});
export type ReconcileCall = Static<typeof ReconcileCall>;

export const ReconcileOperationsCall = message('Call.ReconcileOperations', {
  operations: repeated(
    message('Call.ReconcileOperations.Operation', {
      operation_id: OperationID,
      agent_id: optional(AgentID),
      resource_provider_id: optional(ResourceProviderID),
    }),
  ),
});
export type ReconcileOperationsCall = Static<typeof ReconcileOperationsCall>;

export const MessageCall = message('Call.Message', {
  agent_id: AgentID,
  executor_id: ExecutorID,
  data: bytes(),
});
export type MessageCall = Static<typeof MessageCall>;

export const RequestCall = message('Call.Request', { requests: repeated(ResourceRequest) });
export type RequestCall = Static<typeof RequestCall>;

/** UPDATE_FRAMEWORK: changing `user`, `checkpoint` or `principal` is invalid. */
export const UpdateFrameworkCall = message('Call.UpdateFramework', {
  framework_info: FrameworkInfo,
  suppressed_roles: repeated(string()),
  offer_constraints: optional(OfferConstraints),
});
export type UpdateFrameworkCall = Static<typeof UpdateFrameworkCall>;

/**
 * `mesos.v1.scheduler.Call`. NOTE: `type` is optional in the proto but required here, so a
 * missing or unknown type is reported by the decoder with its path instead of later.
 */
export const SchedulerCall = message('scheduler.Call', {
  framework_id: optional(FrameworkID),
  type: enumOf(SCHEDULER_CALL_TYPES),
  subscribe: optional(SubscribeCall),
  accept: optional(AcceptCall),
  decline: optional(DeclineCall),
  accept_inverse_offers: optional(AcceptInverseOffersCall),
  decline_inverse_offers: optional(DeclineInverseOffersCall),
  revive: optional(ReviveCall),
  kill: optional(KillCall),
  shutdown: optional(ShutdownCall),
  acknowledge: optional(AcknowledgeCall),
  acknowledge_operation_status: optional(AcknowledgeOperationStatusCall),
  reconcile: optional(ReconcileCall),
  reconcile_operations: optional(ReconcileOperationsCall),
  message: optional(MessageCall),
  request: optional(RequestCall),
  suppress: optional(SuppressCall),
  update_framework: optional(UpdateFrameworkCall),
});
export type SchedulerCall = Static<typeof SchedulerCall>;

/**
 * A scheduler call that passed `validateSchedulerCall`: a union on `type` in which the matching
 * sub-message is present and, except for SUBSCRIBE, so is `framework_id`.
 */
export type ValidSchedulerCall = Narrowed<SchedulerCall, SchedulerCallWithOptionalPayload> extends infer C
  ? C extends { type: 'SUBSCRIBE' }
    ? C
    : C & { framework_id: FrameworkID }
  : never;

// ---------------------------------------------------------------------------------------------
// Events.

export const SCHEDULER_EVENT_TYPES = [
  'UNKNOWN',
  'SUBSCRIBED',
  'OFFERS',
  'INVERSE_OFFERS',
  'RESCIND',
  'RESCIND_INVERSE_OFFER',
  'UPDATE',
  'UPDATE_OPERATION_STATUS',
  'MESSAGE',
  'FAILURE',
  'ERROR',
  'HEARTBEAT',
] as const;
export type SchedulerEventType = (typeof SCHEDULER_EVENT_TYPES)[number];

/** The first event on a scheduler stream. Mesos sends `heartbeat_interval_seconds` 15. */
export const SubscribedEvent = message('Event.Subscribed', {
  framework_id: FrameworkID,
  heartbeat_interval_seconds: optional(double()),
  master_info: optional(MasterInfo),
});
export type SubscribedEvent = Static<typeof SubscribedEvent>;

/** Note the nesting: `{"type":"OFFERS","offers":{"offers":[...]}}`. */
export const OffersEvent = message('Event.Offers', { offers: repeated(Offer) });
export type OffersEvent = Static<typeof OffersEvent>;

export const InverseOffersEvent = message('Event.InverseOffers', {
  inverse_offers: repeated(InverseOffer),
});
export type InverseOffersEvent = Static<typeof InverseOffersEvent>;

export const RescindEvent = message('Event.Rescind', { offer_id: OfferID });
export type RescindEvent = Static<typeof RescindEvent>;

export const RescindInverseOfferEvent = message('Event.RescindInverseOffer', {
  inverse_offer_id: OfferID,
});
export type RescindInverseOfferEvent = Static<typeof RescindInverseOfferEvent>;

export const UpdateEvent = message('Event.Update', { status: TaskStatus });
export type UpdateEvent = Static<typeof UpdateEvent>;

export const UpdateOperationStatusEvent = message('Event.UpdateOperationStatus', {
  status: OperationStatus,
});
export type UpdateOperationStatusEvent = Static<typeof UpdateOperationStatusEvent>;

export const SchedulerMessageEvent = message('Event.Message', {
  agent_id: AgentID,
  executor_id: ExecutorID,
  data: bytes(),
});
export type SchedulerMessageEvent = Static<typeof SchedulerMessageEvent>;

/** An agent was removed (only `agent_id`) or an executor exited (`executor_id`, `status`). */
export const FailureEvent = message('Event.Failure', {
  agent_id: optional(AgentID),
  executor_id: optional(ExecutorID),
  status: optional(int32()),
});
export type FailureEvent = Static<typeof FailureEvent>;

/** An unrecoverable error, e.g. "Framework failed over"; the scheduler should abort. */
export const SchedulerErrorEvent = message('Event.Error', { message: string() });
export type SchedulerErrorEvent = Static<typeof SchedulerErrorEvent>;

/** `mesos.v1.scheduler.Event`; `type` is required here for the same reason as in Call. */
export const SchedulerEvent = message('scheduler.Event', {
  type: enumOf(SCHEDULER_EVENT_TYPES),
  subscribed: optional(SubscribedEvent),
  offers: optional(OffersEvent),
  inverse_offers: optional(InverseOffersEvent),
  rescind: optional(RescindEvent),
  rescind_inverse_offer: optional(RescindInverseOfferEvent),
  update: optional(UpdateEvent),
  update_operation_status: optional(UpdateOperationStatusEvent),
  message: optional(SchedulerMessageEvent),
  failure: optional(FailureEvent),
  error: optional(SchedulerErrorEvent),
});
export type SchedulerEvent = Static<typeof SchedulerEvent>;

/** A scheduler event with its payload present (HEARTBEAT and UNKNOWN have none). */
export type ValidSchedulerEvent = Narrowed<SchedulerEvent>;

// ---------------------------------------------------------------------------------------------
// Responses (only RECONCILE_OPERATIONS ever had one; Mesos no longer sends it since MESOS-9648).

export const SCHEDULER_RESPONSE_TYPES = ['UNKNOWN', 'RECONCILE_OPERATIONS'] as const;
export type SchedulerResponseType = (typeof SCHEDULER_RESPONSE_TYPES)[number];

export const SchedulerResponse = message('scheduler.Response', {
  type: enumOf(SCHEDULER_RESPONSE_TYPES),
  reconcile_operations: optional(
    message('Response.ReconcileOperations', { operation_statuses: repeated(OperationStatus) }),
  ),
});
export type SchedulerResponse = Static<typeof SchedulerResponse>;
