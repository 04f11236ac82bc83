// Error codes of subscriptions; src/http/errors.ts maps each to an HTTP status.
import type { BillingErrorCode } from '../billing/billing-errors.ts';

export const subscriptionErrorCodes = [
  /** No subscription with this id for the caller's business. */
  'SUBSCRIPTION_NOT_FOUND',
  /** The request names fields that do not fit together (wallet.cap_amount without mode cap, a bad starts_at, …). */
  'INVALID_SUBSCRIPTION',
  /** The change is not allowed from the subscription's status (resume an active one, pause a cancelled one, …). */
  'SUBSCRIPTION_STATUS_CONFLICT',
] as const;

export type SubscriptionErrorCode = (typeof subscriptionErrorCodes)[number] | BillingErrorCode;
