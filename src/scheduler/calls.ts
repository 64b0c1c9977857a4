// Builders for every scheduler Call (reference §2.3), from friendly arguments to the wire shape
// `encodeSchedulerCall` writes. Pure: the client adds transport; tests check each builder against
// the master-side decoder and validation.
import type {
  FrameworkInfo,
  KillPolicy,
  OfferConstraints,
  OfferOperation,
  ResourceRequest,
  SchedulerCall,
  TaskInfo,
} from '../protocol/index.ts';

/** An id given as its string or as the wire wrapper `{value}`. */
export type IdLike = string | { value: string };

export function wireId(id: IdLike): { value: string } {
  return typeof id === 'string' ? { value: id } : { value: id.value };
}

/** Filters: `refuseSeconds` defaults to 5 s on the master when left out. */
export type FilterOptions = { refuseSeconds?: number };

function filters(f: FilterOptions | undefined): { filters?: { refuse_seconds: number } } {
  return f?.refuseSeconds === undefined ? {} : { filters: { refuse_seconds: f.refuseSeconds } };
}

function roles(list: readonly string[] | undefined): { roles?: string[] } {
  return list === undefined || list.length === 0 ? {} : { roles: [...list] };
}

export type SubscribeOptions = { suppressedRoles?: readonly string[]; offerConstraints?: OfferConstraints };

/** SUBSCRIBE; with `frameworkInfo.id` set it re-subscribes (failover) and sets `framework_id`. */
export function subscribeCall(frameworkInfo: FrameworkInfo, options: SubscribeOptions = {}): SchedulerCall {
  const call: SchedulerCall = {
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info: frameworkInfo,
      ...(options.suppressedRoles?.length ? { suppressed_roles: [...options.suppressedRoles] } : {}),
      ...(options.offerConstraints ? { offer_constraints: options.offerConstraints } : {}),
    },
  };
  if (frameworkInfo.id !== undefined) call.framework_id = frameworkInfo.id;
  return call;
}

export const buildCall = {
  teardown: (fid: IdLike): SchedulerCall => ({ framework_id: wireId(fid), type: 'TEARDOWN' }),

  accept: (fid: IdLike, offerIds: readonly IdLike[], operations: readonly OfferOperation[], f?: FilterOptions): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'ACCEPT',
    accept: { offer_ids: offerIds.map(wireId), operations: [...operations], ...filters(f) },
  }),

  /** ACCEPT with one LAUNCH operation: the usual way to start command tasks. */
  launch: (fid: IdLike, offerIds: readonly IdLike[], tasks: readonly TaskInfo[], f?: FilterOptions): SchedulerCall =>
    buildCall.accept(fid, offerIds, [{ type: 'LAUNCH', launch: { task_infos: [...tasks] } }], f),

  decline: (fid: IdLike, offerIds: readonly IdLike[], f?: FilterOptions): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'DECLINE',
    decline: { offer_ids: offerIds.map(wireId), ...filters(f) },
  }),

  acceptInverseOffers: (fid: IdLike, ids: readonly IdLike[], f?: FilterOptions): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'ACCEPT_INVERSE_OFFERS',
    accept_inverse_offers: { inverse_offer_ids: ids.map(wireId), ...filters(f) },
  }),

  declineInverseOffers: (fid: IdLike, ids: readonly IdLike[], f?: FilterOptions): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'DECLINE_INVERSE_OFFERS',
    decline_inverse_offers: { inverse_offer_ids: ids.map(wireId), ...filters(f) },
  }),

  /** REVIVE: no roles means every role of the framework. */
  revive: (fid: IdLike, forRoles?: readonly string[]): SchedulerCall => ({ framework_id: wireId(fid), type: 'REVIVE', revive: roles(forRoles) }),

  suppress: (fid: IdLike, forRoles?: readonly string[]): SchedulerCall => ({ framework_id: wireId(fid), type: 'SUPPRESS', suppress: roles(forRoles) }),

  kill: (fid: IdLike, taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'KILL',
    kill: { task_id: wireId(taskId), ...(agentId !== undefined ? { agent_id: wireId(agentId) } : {}), ...(killPolicy ? { kill_policy: killPolicy } : {}) },
  }),

  shutdown: (fid: IdLike, executorId: IdLike, agentId: IdLike): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'SHUTDOWN',
    shutdown: { executor_id: wireId(executorId), agent_id: wireId(agentId) },
  }),

  /** ACKNOWLEDGE a status update: `uuid` is the status' 16-byte uuid in base64. */
  acknowledge: (fid: IdLike, agentId: IdLike, taskId: IdLike, uuid: string): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'ACKNOWLEDGE',
    acknowledge: { agent_id: wireId(agentId), task_id: wireId(taskId), uuid },
  }),

  acknowledgeOperationStatus: (
    fid: IdLike,
    a: { operationId: IdLike; uuid: string; agentId?: IdLike; resourceProviderId?: IdLike },
  ): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'ACKNOWLEDGE_OPERATION_STATUS',
    acknowledge_operation_status: {
      operation_id: wireId(a.operationId),
      uuid: a.uuid,
      ...(a.agentId !== undefined ? { agent_id: wireId(a.agentId) } : {}),
      ...(a.resourceProviderId !== undefined ? { resource_provider_id: wireId(a.resourceProviderId) } : {}),
    },
  }),

  /** RECONCILE: an empty list asks for every task the framework has (implicit reconciliation). */
  reconcile: (fid: IdLike, tasks: readonly { taskId: IdLike; agentId?: IdLike }[] = []): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'RECONCILE',
    reconcile: tasks.length === 0 ? {} : { tasks: tasks.map((t) => ({ task_id: wireId(t.taskId), ...(t.agentId !== undefined ? { agent_id: wireId(t.agentId) } : {}) })) },
  }),

  reconcileOperations: (fid: IdLike, operations: readonly { operationId: IdLike; agentId?: IdLike; resourceProviderId?: IdLike }[] = []): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'RECONCILE_OPERATIONS',
    reconcile_operations:
      operations.length === 0
        ? {}
        : {
            operations: operations.map((o) => ({
              operation_id: wireId(o.operationId),
              ...(o.agentId !== undefined ? { agent_id: wireId(o.agentId) } : {}),
              ...(o.resourceProviderId !== undefined ? { resource_provider_id: wireId(o.resourceProviderId) } : {}),
            })),
          },
  }),

  /** MESSAGE to an executor; `data` is bytes, or a string already in base64. */
  message: (fid: IdLike, agentId: IdLike, executorId: IdLike, data: Uint8Array | string): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'MESSAGE',
    message: { agent_id: wireId(agentId), executor_id: wireId(executorId), data: typeof data === 'string' ? data : Buffer.from(data).toString('base64') },
  }),

  request: (fid: IdLike, requests: readonly ResourceRequest[]): SchedulerCall => ({ framework_id: wireId(fid), type: 'REQUEST', request: { requests: [...requests] } }),

  /** UPDATE_FRAMEWORK: `frameworkInfo.id` is set to the framework's id. */
  updateFramework: (fid: IdLike, frameworkInfo: FrameworkInfo, options: SubscribeOptions = {}): SchedulerCall => ({
    framework_id: wireId(fid),
    type: 'UPDATE_FRAMEWORK',
    update_framework: {
      framework_info: { ...frameworkInfo, id: wireId(fid) },
      ...(options.suppressedRoles?.length ? { suppressed_roles: [...options.suppressedRoles] } : {}),
      ...(options.offerConstraints ? { offer_constraints: options.offerConstraints } : {}),
    },
  }),
};
