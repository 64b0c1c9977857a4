// The agent calls after SUBSCRIBE (docs/protocol/agent-master.md), for an agent the HTTP layer
// has found by id and stream id.
import { resourcesFromWire } from '../common/resources/index.ts';
import type { ValidAgentToMasterCall } from '../protocol/agora/agent-master.ts';
import { OPERATION_STATES, type OperationState } from '../protocol/index.ts';
import { newStatusUuid } from '../common/ids.ts';
import { applyCheckpointed } from './agent-resources.ts';
import { receivePong, unregisterAgent } from './agents.ts';
import type { Master } from './master.ts';
import type { AgentRecord } from './model.ts';
import { applyAgentStatusUpdate, normalizeAgentStatus, sendUpdate } from './status-updates.ts';
import { InvalidArgumentError } from '../common/errors.ts';

export function handleAgentCall(m: Master, agent: AgentRecord, call: ValidAgentToMasterCall): void {
  switch (call.type) {
    case 'STATUS_UPDATE': {
      const update = call.status_update;
      const frameworkId = update.framework_id.value;
      const taskId = update.status.task_id.value;
      const status = normalizeAgentStatus(m, update.status, agent.id, update.executor_id?.value);
      const fw = m.frameworks.get(frameworkId);
      m.metrics.counter('master/messages_status_update').inc();
      if (fw === undefined) {
        // Nobody will ever acknowledge it (the framework is gone): stop the agent's retries.
        m.metrics.counter('master/invalid_status_updates').inc();
        m.sendToAgent(agent, {
          type: 'ACKNOWLEDGE_STATUS_UPDATE',
          acknowledge_status_update: { framework_id: update.framework_id, task_id: update.status.task_id, uuid: update.status.uuid! },
        });
        return;
      }
      m.metrics.counter('master/valid_status_updates').inc();
      const task = fw.tasks.get(taskId);
      if (task !== undefined && task.agentId === agent.id) {
        applyAgentStatusUpdate(m, fw, task, status, update.latest_state);
      } else {
        // Unknown to us (e.g. already completed): still the framework's to see and acknowledge.
        sendUpdate(m, fw, status);
      }
      return;
    }
    case 'EXITED_EXECUTOR': {
      const exited = call.exited_executor;
      const frameworkId = exited.framework_id.value;
      const executorId = exited.executor_id.value;
      const executor = agent.executors.get(frameworkId)?.get(executorId);
      agent.executors.get(frameworkId)?.delete(executorId);
      const fw = m.frameworks.get(frameworkId);
      fw?.executors.get(agent.id)?.delete(executorId);
      // The executor's resources were booked when the master sent the task that started it (or
      // taken from the agent's report), whether or not it ever registered with the agent: they
      // come back here, once (the record is gone now).
      if (executor !== undefined) {
        let resources;
        try {
          resources = resourcesFromWire(executor.resources ?? []);
        } catch (err) {
          m.log.warn({ err, executorId }, 'could not read the resources of an exited executor');
        }
        if (resources !== undefined) {
          m.allocation.recover(frameworkId, agent.id, resources);
          m.allocation.trigger(agent.id);
        }
      }
      if (fw !== undefined) {
        m.sendToFramework(fw, {
          type: 'FAILURE',
          failure: {
            agent_id: { value: agent.id },
            executor_id: exited.executor_id,
            ...(exited.status !== undefined && { status: exited.status }),
          },
        });
      }
      m.log.info({ agentId: agent.id, frameworkId, executorId, status: exited.status }, 'executor exited');
      return;
    }
    case 'EXECUTOR_MESSAGE': {
      const msg = call.executor_message;
      const fw = m.frameworks.get(msg.framework_id.value);
      m.metrics.counter('master/messages_executor_to_framework').inc();
      if (fw !== undefined) {
        m.sendToFramework(fw, { type: 'MESSAGE', message: { agent_id: { value: agent.id }, executor_id: msg.executor_id, data: msg.data } });
      }
      return;
    }
    case 'UPDATE_AGENT': {
      const total = call.update_agent.total_resources;
      if (total === undefined || total.length === 0) return;
      const configured = resourcesFromWire(total, { label: 'update_agent.total_resources' });
      const applied = applyCheckpointed(configured, agent.checkpointedResources);
      if (typeof applied === 'string') throw new InvalidArgumentError(`update_agent.total_resources: ${applied}`);
      agent.info = { ...agent.info, resources: total };
      agent.total = applied;
      m.registry.updateAgent(agent.info);
      m.allocation.updateAgentTotal(agent.id, applied);
      return;
    }
    case 'UPDATE_OPERATION_STATUS': {
      const update = call.update_operation_status;
      const state = (OPERATION_STATES as readonly string[]).includes(update.state) ? (update.state as OperationState) : undefined;
      if (state === undefined) throw new InvalidArgumentError(`update_operation_status.state: unknown operation state '${update.state}'`);
      for (const fw of m.frameworks.values()) {
        const op = fw.operations.get(update.operation_uuid);
        if (op === undefined) continue;
        op.state = state;
        op.message = update.message;
        m.sendToFramework(fw, {
          type: 'UPDATE_OPERATION_STATUS',
          update_operation_status: {
            status: {
              operation_id: { value: op.operationId },
              state,
              ...(update.message !== undefined && { message: update.message }),
              agent_id: { value: agent.id },
              uuid: { value: newStatusUuid() },
            },
          },
        });
      }
      return;
    }
    case 'PONG':
      receivePong(m, agent);
      return;
    case 'UNREGISTER':
      unregisterAgent(m, agent);
      return;
    case 'SUBSCRIBE':
    case 'UNKNOWN':
      return;
  }
}
