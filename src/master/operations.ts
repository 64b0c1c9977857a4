// RESERVE, UNRESERVE, CREATE and DESTROY inside an ACCEPT (and operation feedback). Each one is
// checked against what is left of the offers, applied to the allocator's view of the framework's
// allocation, to the agent's checkpointed resources and total, and sent to the agent as
// APPLY_OPERATION. Operations with an id get UPDATE_OPERATION_STATUS events: an error at once, or
// the agent's result when it reports it (UPDATE_OPERATION_STATUS call).
import { newStatusUuid } from '../common/ids.ts';
import { resourcesToWire, type Resources } from '../common/resources/index.ts';
import type { OfferOperation, OperationState } from '../protocol/index.ts';
import { withoutPersistence } from './agent-resources.ts';
import type { Master } from './master.ts';
import type { AgentRecord, FrameworkRecord } from './model.ts';
import { resourcesForRole } from './validation/task.ts';

type Conversion = { consumed: Resources; converted: Resources };

/** What an operation consumes and produces, or why it is invalid. Pure. */
export function conversionOf(op: OfferOperation, role: string, principal: string | undefined): Conversion | string {
  switch (op.type) {
    case 'RESERVE': {
      const resources = resourcesForRole(op.reserve?.resources, role, 'reserve.resources');
      if (typeof resources === 'string') return `Invalid resources: ${resources}`;
      if (resources.isEmpty()) return 'Invalid RESERVE operation: no resources';
      for (const e of resources.entries) {
        if (!e.isDynamicallyReserved) return `Invalid RESERVE operation: resource ${e.toString()} is not dynamically reserved`;
        if (e.reservationRole !== role) {
          return `Invalid RESERVE operation: reservation role '${e.reservationRole}' does not match the allocation role '${role}'`;
        }
        const p = e.reservations.at(-1)?.principal;
        if (principal !== undefined && p !== principal) {
          return `A reserve operation was attempted with principal '${principal}', but there is a reserved resource in the request with principal '${p ?? ''}' set in 'ReservationInfo'`;
        }
      }
      let consumed: Resources;
      if ((op.reserve?.source ?? []).length > 0) {
        const source = resourcesForRole(op.reserve?.source, role, 'reserve.source');
        if (typeof source === 'string') return `Invalid resources: ${source}`;
        consumed = source;
      } else {
        consumed = resources.popReservation();
      }
      return { consumed, converted: resources };
    }
    case 'UNRESERVE': {
      const resources = resourcesForRole(op.unreserve?.resources, role, 'unreserve.resources');
      if (typeof resources === 'string') return `Invalid resources: ${resources}`;
      for (const e of resources.entries) {
        if (!e.isDynamicallyReserved) return `Resource ${e.toString()} is not dynamically reserved`;
        if (e.isPersistentVolume) {
          return `A dynamically reserved persistent volume ${e.toString()} cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource`;
        }
      }
      return { consumed: resources, converted: resources.popReservation() };
    }
    case 'CREATE': {
      const volumes = resourcesForRole(op.create?.volumes, role, 'create.volumes');
      if (typeof volumes === 'string') return `Invalid resources: ${volumes}`;
      for (const e of volumes.entries) {
        if (!e.isPersistentVolume) return `Not a persistent volume: ${e.toString()}`;
        if (e.isUnreserved) return `Persistent volumes cannot be created from unreserved resources: ${e.toString()}`;
      }
      return { consumed: withoutPersistence(volumes), converted: volumes };
    }
    case 'DESTROY': {
      const volumes = resourcesForRole(op.destroy?.volumes, role, 'destroy.volumes');
      if (typeof volumes === 'string') return `Invalid resources: ${volumes}`;
      for (const e of volumes.entries) if (!e.isPersistentVolume) return `Not a persistent volume: ${e.toString()}`;
      return { consumed: volumes, converted: withoutPersistence(volumes) };
    }
    default:
      return `Operation ${op.type ?? 'UNKNOWN'} is not supported by this master`;
  }
}

/** Tells the framework about an operation it gave an id (Mesos sends nothing without one). */
export function sendOperationStatus(
  m: Master,
  fw: FrameworkRecord,
  op: OfferOperation,
  agentId: string,
  state: OperationState,
  message: string | undefined,
): void {
  if (op.id === undefined) return;
  m.sendToFramework(fw, {
    type: 'UPDATE_OPERATION_STATUS',
    update_operation_status: {
      status: {
        operation_id: op.id,
        state,
        ...(message !== undefined && { message }),
        agent_id: { value: agentId },
        uuid: { value: newStatusUuid() },
      },
    },
  });
}

/**
 * Applies one operation to what is left of the offers; returns the new remainder, or the error
 * (the operation is then dropped, with OPERATION_ERROR for operations with an id).
 */
export function applyResourceOperation(
  m: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  op: OfferOperation,
  role: string,
  available: Resources,
): Resources | string {
  const conversion = conversionOf(op, role, fw.info.principal);
  if (typeof conversion === 'string') return conversion;
  const { consumed, converted } = conversion;
  if (!available.contains(consumed)) {
    return `Invalid ${op.type} operation: ${consumed.toString()} is not available in the offers (${available.toString()})`;
  }
  const consumedPlain = consumed.unallocate();
  const convertedPlain = converted.unallocate();
  let checkpointed = agent.checkpointedResources;
  if (op.type === 'UNRESERVE' || op.type === 'DESTROY') {
    if (!checkpointed.contains(consumedPlain)) return `Invalid ${op.type} operation: ${consumedPlain.toString()} is not checkpointed on the agent`;
    checkpointed = checkpointed.subtract(consumedPlain);
    if (op.type === 'DESTROY') checkpointed = checkpointed.add(convertedPlain.filter((e) => e.isDynamicallyReserved));
  } else {
    if (checkpointed.contains(consumedPlain)) checkpointed = checkpointed.subtract(consumedPlain);
    checkpointed = checkpointed.add(convertedPlain.filter((e) => e.isDynamicallyReserved || e.isPersistentVolume));
  }
  const error = m.allocation.convert(fw.id, agent.id, consumed, consumed, converted);
  if (error !== undefined) return `Invalid ${op.type} operation: ${error}`;
  agent.checkpointedResources = checkpointed;
  agent.total = agent.total.subtract(consumedPlain).add(convertedPlain);
  const uuid = newStatusUuid();
  if (op.id !== undefined) {
    fw.operations.set(uuid, {
      uuid,
      operationId: op.id.value,
      frameworkId: fw.id,
      agentId: agent.id,
      info: op,
      state: 'OPERATION_PENDING',
      message: undefined,
    });
  }
  m.sendToAgent(agent, {
    type: 'APPLY_OPERATION',
    apply_operation: {
      framework_id: { value: fw.id },
      operation: op,
      operation_uuid: uuid,
      checkpointed_resources: resourcesToWire(checkpointed),
    },
  });
  return available.subtract(consumed).add(converted);
}
