// The PaymentProcessor interface: charge and refund, each under an idempotency key, so that a retried call (even from
// another process, after a restart) never moves money twice. Callers never hold a database transaction across a call.
import { entryAmountMax } from '../shared/money.ts';

export type ProcessorKind = 'simulated' | 'http';
export const processorKinds = ['simulated', 'http'] as const satisfies readonly ProcessorKind[];

/** Longest idempotency key a processor call takes, in characters. */
export const processorKeyLengthMax = 255;

export type ProcessorMetadata = Readonly<Record<string, string | number | boolean>>;

export interface ChargeRequest {
  /** Decides: a second call with this key (in this business) returns the first call's result and charges nothing. */
  idempotencyKey: string;
  businessId: string;
  customerId: string;
  paymentMethodId: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** Positive integer, minor units. */
  amount: number;
  description: string;
  metadata: ProcessorMetadata;
}

export interface RefundRequest {
  idempotencyKey: string;
  businessId: string;
  /** The `chargeId` a succeeded charge returned. */
  chargeId: string;
  currency: string;
  /** Positive integer, minor units, at most what is left of the charge. */
  amount: number;
  reason: string | null;
}

/**
 * What became of a call. `declined`: the method was refused (a reason code such as `card_declined`), nothing moved.
 * `failed`: the processor could not do it (a reason code such as `processing_error`), nothing moved. `pending_unknown`:
 * no answer in time (a timeout, an abort, a garbled answer): money may or may not have moved, and the caller asks again
 * later with the same key, which settles it.
 */
export type ChargeResult =
  | { status: 'succeeded'; chargeId: string }
  | { status: 'declined'; reason: string; message: string }
  | { status: 'failed'; reason: string; message: string }
  | { status: 'pending_unknown'; message: string };

export type RefundResult =
  | { status: 'succeeded'; refundId: string }
  | { status: 'declined'; reason: string; message: string }
  | { status: 'failed'; reason: string; message: string }
  | { status: 'pending_unknown'; message: string };

export interface PaymentProcessor {
  readonly kind: ProcessorKind;
  /** Never throws for an expected outcome; `signal` aborts the wait (the result is then `pending_unknown`). */
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult>;
  refund(request: RefundRequest, signal?: AbortSignal): Promise<RefundResult>;
}

/** Why a request cannot be sent at all (a bug in the caller: amounts and keys are checked before a processor sees them). */
export function requestProblem(request: { idempotencyKey: string; amount: number; currency: string }): string | null {
  if (request.idempotencyKey.length === 0 || request.idempotencyKey.length > processorKeyLengthMax) {
    return `idempotency key must be 1 to ${processorKeyLengthMax} characters`;
  }
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0 || request.amount > entryAmountMax) {
    return `amount ${request.amount} is not a positive safe integer of at most ${entryAmountMax}`;
  }
  if (!/^[A-Z]{3}$/.test(request.currency)) return `currency ${request.currency} is not an ISO 4217 code`;
  return null;
}
