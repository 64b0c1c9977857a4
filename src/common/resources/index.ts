// Public API of src/common/resources: the Mesos resource model and its arithmetic (pure, no
// I/O). See README.md for the model, its invariants and the formats.
export { Resources } from './resources.ts';
export {
  ResourceEntry,
  ResourceIdentity,
  compareEntries,
  sameValue,
  type DiskInfo,
  type DiskSource,
  type DiskSourceType,
  type EntryKind,
  type Reservation,
  type ReservationType,
  type ResourceValueType,
} from './entry.ts';
export {
  entryFromWire,
  entryToWire,
  resourcesFromWire,
  resourcesToLegacyJSON,
  resourcesToWire,
  type FromWireOptions,
  type LegacyResourceValue,
  type ResourceFormat,
} from './wire.ts';
export { resourceShapeError, validateFrameworkResource, validateResource } from './validate.ts';
export {
  formatResources,
  parseResources,
  parseValueText,
  textFormError,
  type ParseResourcesOptions,
  type ParsedValue,
} from './text.ts';
export { ResourceQuantities, parseQuantities } from './quantities.ts';
export { CPUS_SLOT, DISK_SLOT, GPUS_SLOT, MEM_SLOT, ScalarIndex, ScalarVector } from './scalar-vector.ts';
export {
  DEFAULT_ROLE,
  assertValidRole,
  isRoleInSubtree,
  isStrictSubroleOf,
  roleAncestors,
  roleError,
} from './roles.ts';
export { MAX_SCALAR, SCALAR_RESOLUTION, formatThousandths, fromThousandths, toThousandths } from './scalar.ts';
export { formatRanges, type Range, type RangeList } from './ranges.ts';
export { formatSet, type ItemSet } from './sets.ts';
