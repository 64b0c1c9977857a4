// The operator SUBSCRIBE stream (reference §5.2): SUBSCRIBED with a full GET_STATE snapshot,
// then TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED, FRAMEWORK_UPDATED,
// FRAMEWORK_REMOVED as they happen, and a HEARTBEAT every 15 s. Beyond
// --max_operator_event_stream_subscribers the oldest stream is closed.
import type { ServerResponse } from 'node:http';
import { EventStream } from '../../common/http/event-stream.ts';
import { encodeMasterEvent, type MasterEvent } from '../../protocol/index.ts';
import type { Master, MasterObserver } from '../master.ts';
import { agentToV1, frameworkToV1, getState, taskToV1 } from './views.ts';

type Subscriber = { stream: EventStream; observer: MasterObserver };

const subscribersOf = new WeakMap<Master, Subscriber[]>();

export function subscribeOperator(m: Master, res: ServerResponse): void {
  let subscribers = subscribersOf.get(m);
  if (subscribers === undefined) {
    subscribersOf.set(m, (subscribers = []));
    m.metrics.gauge('master/operator_event_stream_subscribers', () => subscribersOf.get(m)?.length ?? 0);
  }
  const stream = new EventStream(res);
  // Through the master, so that an event about a change goes out only once the change is
  // committed, in order with what frameworks and agents are told (Master.transaction).
  const send = (event: MasterEvent): void => {
    m.sendOnStream(stream, JSON.stringify(encodeMasterEvent(event)));
  };
  const observer: MasterObserver = {
    taskAdded: (task) => send({ type: 'TASK_ADDED', task_added: { task: taskToV1(task) } }),
    taskUpdated: (task) => {
      const status = task.statuses.at(-1);
      if (status === undefined) return;
      send({ type: 'TASK_UPDATED', task_updated: { framework_id: { value: task.frameworkId }, status, state: task.state } });
    },
    frameworkAdded: (fw) => send({ type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkToV1(m, fw, true) } }),
    frameworkUpdated: (fw) => send({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkToV1(m, fw, true) } }),
    frameworkRemoved: (fw) => send({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw.info } }),
    agentAdded: (agent) => send({ type: 'AGENT_ADDED', agent_added: { agent: agentToV1(m, agent) } }),
    agentRemoved: (agentId) => send({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agentId } } }),
  };
  const subscriber: Subscriber = { stream, observer };
  subscribers.push(subscriber);
  while (subscribers.length > m.options.maxOperatorEventStreamSubscribers) subscribers[0]!.stream.close();
  send({ type: 'SUBSCRIBED', subscribed: { get_state: getState(m), heartbeat_interval_seconds: m.options.heartbeatIntervalMs / 1000 } });
  send({ type: 'HEARTBEAT' });
  m.observers.add(observer);
  const heartbeat = m.setRepeating(() => send({ type: 'HEARTBEAT' }), m.options.heartbeatIntervalMs);
  stream.onClose(() => {
    m.observers.delete(observer);
    m.clearRepeating(heartbeat);
    const list = subscribersOf.get(m);
    const at = list?.indexOf(subscriber) ?? -1;
    if (at >= 0) list!.splice(at, 1);
  });
}
