// mesos.v1.maintenance: maintenance schedules (windows of machines going down) and the
// cluster's maintenance status, with the inverse-offer responses it collects.
import type { Static } from '@sinclair/typebox';
import { enumOf, message, repeated } from '../schema.ts';
import { FrameworkID, MachineID, TimeInfo, Unavailability } from './values.ts';

/** Machines that go into maintenance during the same `unavailability`. */
export const MaintenanceWindow = message('maintenance.Window', {
  machine_ids: repeated(MachineID),
  unavailability: Unavailability,
});
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;

export const MaintenanceSchedule = message('maintenance.Schedule', {
  windows: repeated(MaintenanceWindow),
});
export type MaintenanceSchedule = Static<typeof MaintenanceSchedule>;

export const INVERSE_OFFER_STATUSES = ['UNKNOWN', 'ACCEPT', 'DECLINE'] as const;
export type InverseOfferStatusType = (typeof INVERSE_OFFER_STATUSES)[number];

/** A framework's latest answer to an inverse offer for a draining machine. */
export const InverseOfferStatus = message('allocator.InverseOfferStatus', {
  status: enumOf(INVERSE_OFFER_STATUSES),
  framework_id: FrameworkID,
  timestamp: TimeInfo,
});
export type InverseOfferStatus = Static<typeof InverseOfferStatus>;

export const MaintenanceClusterStatus = message('maintenance.ClusterStatus', {
  draining_machines: repeated(
    message('maintenance.ClusterStatus.DrainingMachine', {
      id: MachineID,
      statuses: repeated(InverseOfferStatus),
    }),
  ),
  down_machines: repeated(MachineID),
});
export type MaintenanceClusterStatus = Static<typeof MaintenanceClusterStatus>;
