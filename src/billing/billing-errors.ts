// Error codes of invoices and their payments; src/http/errors.ts maps each to an HTTP status.
import type { HoldErrorCode } from '../holds/hold-errors.ts';
import type { PaymentErrorCode } from '../payments/payment-errors.ts';

export const billingErrorCodes = [
  /** No invoice with this id for the caller's business. */
  'INVOICE_NOT_FOUND',
  /** No payment with this id for the caller's business. */
  'PAYMENT_NOT_FOUND',
  /** The invoice is paid, void, or a payment of it is in progress: it cannot be paid (or voided) now. */
  'INVOICE_NOT_PAYABLE',
  /** The line items add up to more than the largest amount, or wallet.cap_amount is missing or given without mode cap. */
  'INVALID_INVOICE',
  /** A top-up's amount is not a positive integer of at most the largest entry amount. */
  'INVALID_TOP_UP',
  /** No refund with this id for the caller's business. */
  'REFUND_NOT_FOUND',
  /** The payment did not succeed (or is a top-up being disputed): there is nothing to refund. */
  'PAYMENT_NOT_REFUNDABLE',
  /** The refund asks for more than was paid less what was refunded already. */
  'REFUND_EXCEEDS_PAYMENT',
  /** The refund's fields do not fit the payment: items and amount together, an unknown item, destination wallet for a top-up. */
  'INVALID_REFUND',
  /** No dispute with this id for the caller's business. */
  'DISPUTE_NOT_FOUND',
  /** The dispute is resolved already (or still opening): it cannot be resolved again. */
  'DISPUTE_NOT_OPEN',
  /** Only a succeeded payment's card part can be disputed or reversed. */
  'PAYMENT_NOT_DISPUTABLE',
  /** Only a refund whose card part the processor had accepted (card_status succeeded) can be reported failed. */
  'REFUND_NOT_FAILABLE',
  /** A processor event id (webhook-id) seen before with another body: it is not applied again. */
  'PROCESSOR_EVENT_ID_REUSED',
] as const;

export type BillingErrorCode = (typeof billingErrorCodes)[number] | HoldErrorCode | PaymentErrorCode;
