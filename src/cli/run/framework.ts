// What `agora run` needs from a framework connection: the event stream and five calls. A narrow
// interface owned by its user, so the run session is tested against a fake and the transport
// (the framework SDK, or the plain scheduler HTTP API) can be swapped underneath.
import type { Filters, TaskInfo, TaskStatus, ValidSchedulerEvent } from '../../protocol/index.ts';

export interface FrameworkConnection {
  readonly frameworkId: string;
  /** Events after SUBSCRIBED, in order; ends when the subscription ends. */
  events(): AsyncIterable<ValidSchedulerEvent>;
  launch(offerId: string, task: TaskInfo, filters?: Filters): Promise<void>;
  decline(offerIds: string[], filters?: Filters): Promise<void>;
  acknowledge(status: TaskStatus): Promise<void>;
  kill(taskId: string, agentId: string): Promise<void>;
  /** Removes the framework: the master kills its tasks. The connection is closed afterwards. */
  teardown(): Promise<void>;
  close(): void;
}
