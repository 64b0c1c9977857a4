// Helpers shared by the API envelopes (scheduler, executor, operator Call/Event/Response).
//
// Every Mesos envelope is a proto "union": a `type` enum plus one optional sub-message per type,
// named after the type in lower case (`ACCEPT` -> `accept`, `GET_METRICS` -> `get_metrics`).
// The wire schema is therefore a flat object; `Narrowed` turns it into a discriminated union on
// `type` in which the matching payload is present, for code that runs after validation.

/** The payload field name for an envelope type: the type name in lower case. */
export function payloadField<T extends string>(type: T): Lowercase<T> {
  return type.toLowerCase() as Lowercase<T>;
}

/**
 * The member of envelope `M` with `type` T: `type` is the literal T and, unless T is listed in
 * `OptionalPayload`, the field named after T (if `M` has one) is required.
 */
export type EnvelopeOf<M extends { type: string }, T extends M['type'], OptionalPayload extends string = never> =
  Omit<M, 'type'> & { type: T } & (T extends OptionalPayload
    ? unknown
    : Lowercase<T> extends keyof M
      ? { [K in Lowercase<T>]-?: Exclude<M[K], undefined> }
      : unknown);

/** The discriminated union of every `EnvelopeOf<M, T>`. */
export type Narrowed<M extends { type: string }, OptionalPayload extends string = never> = {
  [T in M['type']]: EnvelopeOf<M, T, OptionalPayload>;
}[M['type']];
