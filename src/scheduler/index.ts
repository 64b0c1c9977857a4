// Public API of src/scheduler, the framework SDK: a client for the Mesos v1 scheduler HTTP API
// plus the pure call builders it uses. See README.md.
export { SchedulerClient } from './client.ts';
export type { ClientState, SchedulerClientOptions, SchedulerEventOf } from './client.ts';
export { buildCall, subscribeCall, wireId } from './calls.ts';
export type { FilterOptions, IdLike, SubscribeOptions } from './calls.ts';
export {
  ClientClosedError,
  describeNetworkFailure,
  errorForResponse,
  NotSubscribedError,
  SchedulerCallError,
  SchedulerForbiddenError,
  SchedulerHttpError,
  SchedulerUnavailableError,
  SchedulerUnreachableError,
  SubscriptionError,
  SubscriptionLostError,
} from './errors.ts';
export { backoffDelay } from '../common/backoff.ts';
export type { BackoffPolicy } from '../common/backoff.ts';
export { DEFAULT_BACKOFF } from './client.ts';
export { resolveRedirect, schedulerUrl, SCHEDULER_PATH } from './leader.ts';
