// Checks of the offer ids in an ACCEPT (Mesos validation.cpp `offer::validate`): every offer
// exists, belongs to the calling framework, appears once, and all come from one agent and one
// allocation role. Pure: the caller passes a lookup.

export type OfferView = {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
};

export type OffersCheck =
  | { readonly ok: true; readonly offers: readonly OfferView[]; readonly agentId: string; readonly role: string }
  | { readonly ok: false; readonly error: string };

export function validateOfferIds(
  offerIds: readonly string[],
  frameworkId: string,
  lookup: (offerId: string) => OfferView | undefined,
): OffersCheck {
  if (offerIds.length === 0) return { ok: false, error: 'No offers specified' };
  const seen = new Set<string>();
  const offers: OfferView[] = [];
  for (const id of offerIds) {
    if (seen.has(id)) return { ok: false, error: `Duplicate offer ${id} in the same call` };
    seen.add(id);
    const offer = lookup(id);
    if (offer === undefined) return { ok: false, error: `Offer ${id} is no longer valid` };
    if (offer.frameworkId !== frameworkId) {
      return { ok: false, error: `Offer ${id} has invalid framework ${offer.frameworkId} while framework ${frameworkId} is expected` };
    }
    offers.push(offer);
  }
  const first = offers[0]!;
  for (const offer of offers) {
    if (offer.agentId !== first.agentId) {
      return {
        ok: false,
        error: `Aggregated offers must belong to one single agent. Offer ${offer.id} uses agent ${offer.agentId} and agent ${first.agentId}`,
      };
    }
    if (offer.role !== first.role) {
      return {
        ok: false,
        error: `Aggregated offers must be allocated to the same role. Offer ${offer.id} uses role ${offer.role} and offer ${first.id} uses role ${first.role}`,
      };
    }
  }
  return { ok: true, offers, agentId: first.agentId, role: first.role };
}
