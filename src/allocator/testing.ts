// Test helpers for the allocator's unit tests and the simulation (test/sim): short ways to
// build resources, frameworks and agents, and to read offers. Test-only.
import type { Resource } from '../protocol/index.ts';
import { Resources, parseResources, resourcesFromWire, type ParsedValue, parseValueText } from '../common/resources/index.ts';
import { HierarchicalAllocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import type { AllocationResult, AllocatorOptions, FrameworkCapability, FrameworkSpec, OfferDecision } from './types.ts';

/** Resources from Mesos text: `cpus:4;mem:1024;cpus(ops):2;ports:[31000-31009]`. */
export function res(text: string): Resources {
  return parseResources(text);
}

function wireItems(text: string, extras: Partial<Resource>): Resource[] {
  return text
    .split(';')
    .filter((s) => s.trim() !== '')
    .map((item) => {
      const [name, value] = item.split(':') as [string, string];
      const parsed: ParsedValue = parseValueText(name.trim(), value);
      const base = { name: name.trim(), ...extras };
      if (parsed.type === 'SCALAR') return { ...base, type: 'SCALAR', scalar: { value: parsed.value } } as Resource;
      if (parsed.type === 'RANGES') return { ...base, type: 'RANGES', ranges: { range: parsed.ranges } } as Resource;
      return { ...base, type: 'SET', set: { item: parsed.items } } as Resource;
    });
}

/** Revocable (oversubscribed) resources: `revocable('cpus:2')`. */
export function revocable(text: string): Resources {
  return resourcesFromWire(wireItems(text, { revocable: {} }));
}

/** Dynamically reserved resources; `roles` is the reservation stack (refinement when longer). */
export function reservedTo(roles: string | readonly string[], text: string, labels?: Record<string, string>): Resources {
  const stack = typeof roles === 'string' ? [roles] : roles;
  return resourcesFromWire(
    wireItems(text, {
      reservations: stack.map((role, i) => ({
        type: 'DYNAMIC' as const,
        role,
        principal: 'ops',
        ...(i === stack.length - 1 && labels !== undefined && { labels: { labels: Object.entries(labels).map(([key, value]) => ({ key, value })) } }),
      })),
    }),
  );
}

/** A framework spec; MULTI_ROLE is always on (as in Mesos's tests). */
export function framework(id: string, roles: readonly string[], capabilities: readonly FrameworkCapability[] = [], extra: Partial<FrameworkSpec> = {}): FrameworkSpec {
  return { frameworkId: id, roles, capabilities: ['MULTI_ROLE', ...capabilities], ...extra };
}

/** A fresh allocator with Mesos's defaults (no min-allocatable unless given). */
export function allocator(options: AllocatorOptions = {}): HierarchicalAllocator {
  return new HierarchicalAllocator(options);
}

/** Runs one cycle at `now` with a fixed seed. */
export function cycle(a: HierarchicalAllocator, now = 0, seed = 1): AllocationResult {
  return a.allocate(now, seededRng(seed));
}

/** Offers as compact tuples, sorted: [framework, agent, role, resources text]. */
export function brief(offers: readonly OfferDecision[]): [string, string, string, string][] {
  return offers
    .map((o): [string, string, string, string] => [o.frameworkId, o.agentId, o.role, o.resources.unallocate().toString()])
    .sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
}

/** The resources of the only offer for `frameworkId` (throws if not exactly one). */
export function onlyOffer(result: AllocationResult, frameworkId: string): OfferDecision {
  const mine = result.offers.filter((o) => o.frameworkId === frameworkId);
  if (mine.length !== 1) throw new Error(`expected one offer for '${frameworkId}', got ${mine.length}`);
  return mine[0]!;
}

export { Resources };
