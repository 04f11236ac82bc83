// Error codes of payment methods and processors; src/http/errors.ts maps each to an HTTP status.
import type { CustomerErrorCode } from '../customers/customer-errors.ts';
import type { LedgerErrorCode } from '../ledger/ledger-errors.ts';

export const paymentErrorCodes = [
  /** No payment method with this id on this customer of the caller's business. */
  'PAYMENT_METHOD_NOT_FOUND',
  /** The id is attached to the customer already, with other fields (a repeat with the same fields returns it). */
  'PAYMENT_METHOD_ALREADY_ATTACHED',
  /** The customer has paymentMethodsPerCustomerMax methods already. */
  'PAYMENT_METHOD_LIMIT_REACHED',
  /** `processor: "http"` while no processor URL is configured (COFFER_PAYMENT_PROCESSOR_URL). */
  'PAYMENT_PROCESSOR_NOT_CONFIGURED',
  /** A callback from the HTTP processor without a valid Standard Webhooks signature (COFFER_PAYMENT_PROCESSOR_SECRET). */
  'PROCESSOR_SIGNATURE_INVALID',
  /** A callback whose webhook-timestamp is too far from Coffer's clock (an old request replayed, or a clock far off). */
  'PROCESSOR_TIMESTAMP_OUT_OF_TOLERANCE',
] as const;

/** Codes owned elsewhere that payment methods also return: an unknown customer, a reused client key. */
type SharedCode = Extract<CustomerErrorCode, 'CUSTOMER_NOT_FOUND'> | Extract<LedgerErrorCode, 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST'>;

export type PaymentErrorCode = (typeof paymentErrorCodes)[number] | SharedCode;
