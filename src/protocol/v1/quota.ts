// mesos.v1.quota: per-role resource guarantees and limits (operator GET_QUOTA / UPDATE_QUOTA).
import type { Static } from '@sinclair/typebox';
import { bool, map, message, optional, repeated, string } from '../schema.ts';
import { Resource } from './resources.ts';
import { Scalar } from './values.ts';

/**
 * A role's quota: scalar `guarantees` and `limits` by resource name, e.g.
 * `{"role":"dev","guarantees":{"cpus":{"value":2}},"limits":{"cpus":{"value":4}}}`. A missing
 * guarantee means none; a missing limit means no limit.
 */
export const QuotaConfig = message('quota.QuotaConfig', {
  role: string(),
  guarantees: map(Scalar),
  limits: map(Scalar),
});
export type QuotaConfig = Static<typeof QuotaConfig>;

/** The pre-1.9 quota form (guarantees only), still reported alongside `configs`. */
export const QuotaInfo = message('quota.QuotaInfo', {
  role: optional(string()),
  principal: optional(string()),
  guarantee: repeated(Resource),
});
export type QuotaInfo = Static<typeof QuotaInfo>;

/** The request of the deprecated SET_QUOTA call. */
export const QuotaRequest = message('quota.QuotaRequest', {
  force: optional(bool()),
  role: optional(string()),
  guarantee: repeated(Resource),
});
export type QuotaRequest = Static<typeof QuotaRequest>;

/** Every non-default quota. */
export const QuotaStatus = message('quota.QuotaStatus', {
  infos: repeated(QuotaInfo),
  configs: repeated(QuotaConfig),
});
export type QuotaStatus = Static<typeof QuotaStatus>;
