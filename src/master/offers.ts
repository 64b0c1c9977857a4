// Offers: made from allocation decisions, rescinded when they time out (`--offer_timeout`, our
// default 60 s: Mesos had none, and hoarded offers were a top complaint), when their agent goes
// away or when their framework disconnects. Every removed offer's resources go back to the
// allocator, with a refuse filter when the framework declined them.
import { resourcesToWire, type Resources } from '../common/resources/index.ts';
import type { Offer, Resource } from '../protocol/index.ts';
import type { AllocationDecision } from './allocation.ts';
import type { Master } from './master.ts';
import { countForFramework } from './master-metrics.ts';
import type { AgentRecord, FrameworkRecord, OfferRecord } from './model.ts';

/**
 * Resources in the format a framework understands: post-refinement with RESERVATION_REFINEMENT,
 * else pre-refinement (`role` + `reservation`), from which refined reservations are left out
 * (the allocator never offers them to such frameworks, but used resources may carry them).
 */
export function resourcesForFramework(resources: Resources, fw: FrameworkRecord): Resource[] {
  if (fw.capabilities.reservationRefinement) return resourcesToWire(resources);
  return resourcesToWire(
    resources.filter((e) => !e.hasRefinedReservations),
    'PRE_RESERVATION_REFINEMENT',
  );
}

export function offerToWire(m: Master, offer: OfferRecord, fw: FrameworkRecord, agent: AgentRecord): Offer {
  const executorIds = [...(fw.executors.get(agent.id)?.keys() ?? [])];
  return {
    id: { value: offer.id },
    framework_id: { value: fw.id },
    agent_id: { value: agent.id },
    hostname: agent.hostname,
    url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' },
    ...(agent.info.domain !== undefined && { domain: agent.info.domain }),
    resources: resourcesForFramework(offer.resources, fw),
    ...(agent.info.attributes !== undefined && { attributes: agent.info.attributes }),
    ...(executorIds.length > 0 && { executor_ids: executorIds.map((value) => ({ value })) }),
    allocation_info: { role: offer.role },
  };
}

/**
 * Turns decisions into offers and sends one OFFERS event per framework. A decision whose
 * framework or agent went away since the allocator decided is given back (the shell re-checks).
 */
export function makeOffers(m: Master, decisions: readonly AllocationDecision[]): void {
  const byFramework = new Map<FrameworkRecord, Offer[]>();
  for (const d of decisions) {
    const fw = m.frameworks.get(d.frameworkId);
    const agent = m.agents.get(d.agentId);
    if (fw === undefined || fw.status !== 'connected' || agent === undefined || agent.status !== 'connected') {
      m.allocation.recover(d.frameworkId, d.agentId, d.resources);
      continue;
    }
    const offer: OfferRecord = {
      id: m.ids.offer(),
      frameworkId: fw.id,
      agentId: agent.id,
      role: d.role,
      resources: d.resources,
      createdAt: m.clock.now(),
      timer: undefined,
    };
    m.offers.set(offer.id, offer);
    fw.offers.add(offer.id);
    agent.offers.add(offer.id);
    if (m.options.offerTimeoutMs > 0) {
      offer.timer = m.setTimer(() => {
        m.log.info({ offerId: offer.id, frameworkId: fw.id }, 'offer timed out; rescinding');
        removeOffer(m, offer, { rescind: true });
      }, m.options.offerTimeoutMs);
    }
    let list = byFramework.get(fw);
    if (list === undefined) byFramework.set(fw, (list = []));
    list.push(offerToWire(m, offer, fw, agent));
  }
  for (const [fw, offers] of byFramework) {
    m.sendToFramework(fw, { type: 'OFFERS', offers: { offers } });
    m.metrics.counter('master/messages_resource_offers').inc(offers.length);
    countForFramework(m, fw, 'offers/sent', undefined, offers.length);
  }
}

export type RemoveOfferOptions = {
  /** Send RESCIND to the framework. */
  readonly rescind?: boolean;
  /** Give the resources back to the allocator (default true; false when they were used). */
  readonly recover?: boolean;
  /** Install a refuse filter for the recovered resources (DECLINE, ACCEPT leftovers). */
  readonly refuseSeconds?: { value: number | undefined };
};

/** Forgets an offer, telling the framework and the allocator as asked. */
export function removeOffer(m: Master, offer: OfferRecord, options: RemoveOfferOptions = {}): void {
  if (m.offers.get(offer.id) !== offer) return;
  m.offers.delete(offer.id);
  m.clearTimer(offer.timer);
  const fw = m.frameworks.get(offer.frameworkId);
  fw?.offers.delete(offer.id);
  m.agents.get(offer.agentId)?.offers.delete(offer.id);
  if (options.rescind === true && fw !== undefined) {
    m.sendToFramework(fw, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    countForFramework(m, fw, 'offers/rescinded');
  }
  if (options.recover !== false) {
    const refuse = options.refuseSeconds === undefined ? undefined : { refuseSeconds: options.refuseSeconds.value };
    m.allocation.recover(offer.frameworkId, offer.agentId, offer.resources, refuse);
  }
}

/** Rescinds every offer on an agent (it disconnected, became unreachable or left). */
export function rescindAgentOffers(m: Master, agent: AgentRecord): void {
  for (const id of [...agent.offers]) {
    const offer = m.offers.get(id);
    if (offer !== undefined) removeOffer(m, offer, { rescind: true });
  }
}

/** Removes a framework's offers without RESCIND events (it is disconnected or failing over). */
export function dropFrameworkOffers(m: Master, fw: FrameworkRecord): void {
  for (const id of [...fw.offers]) {
    const offer = m.offers.get(id);
    if (offer !== undefined) removeOffer(m, offer, { rescind: false });
  }
}
