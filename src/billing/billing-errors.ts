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
] as const;

export type BillingErrorCode = (typeof billingErrorCodes)[number] | HoldErrorCode | PaymentErrorCode;
