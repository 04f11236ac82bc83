// One error envelope ({code, message}), one exhaustive code → HTTP status map; docs/errors.md has a heading per code.
// Domains own their codes (src/<domain>/*-errors.ts); the map below must name every one of them, and only them.
import type { AnalyticsErrorCode } from '../analytics/analytics-errors.ts';
import type { AuthErrorCode } from '../auth/auth-errors.ts';
import type { BillingErrorCode } from '../billing/billing-errors.ts';
import type { CreditErrorCode } from '../credits/credit-errors.ts';
import type { CustomerErrorCode } from '../customers/customer-errors.ts';
import type { HoldErrorCode } from '../holds/hold-errors.ts';
import type { LedgerErrorCode } from '../ledger/ledger-errors.ts';
import type { OutboxErrorCode } from '../outbox/outbox-errors.ts';
import type { PaymentErrorCode } from '../payments/payment-errors.ts';
import type { RechargeErrorCode } from '../recharges/recharge-errors.ts';
import type { SubscriptionErrorCode } from '../subscriptions/subscription-errors.ts';
import type { DeliveryErrorCode } from '../webhooks/delivery-errors.ts';
import type { WebhookErrorCode } from '../webhooks/webhook-errors.ts';

/** Codes of the HTTP layer itself: transport, parsing, routing, limits. */
type HttpLayerCode =
  | 'INVALID_JSON'
  | 'MALFORMED_HTTP_REQUEST'
  | 'EXPECTATION_FAILED'
  | 'NOT_FOUND'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_REQUEST_BODY'
  | 'INVALID_REQUEST_PARAMETERS'
  | 'HEADERS_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE';

export type ErrorCode =
  | HttpLayerCode
  | AuthErrorCode
  | CustomerErrorCode
  | LedgerErrorCode
  | CreditErrorCode
  | OutboxErrorCode
  | WebhookErrorCode
  | DeliveryErrorCode
  | PaymentErrorCode
  | HoldErrorCode
  | BillingErrorCode
  | SubscriptionErrorCode
  | AnalyticsErrorCode
  | RechargeErrorCode;

export const errorStatus = {
  INVALID_JSON: 400,
  MALFORMED_HTTP_REQUEST: 400,
  INSUFFICIENT_WALLET_FUNDS: 400,
  WALLET_BALANCE_LIMIT_EXCEEDED: 400,
  WEBHOOK_ENDPOINT_LIMIT_REACHED: 400,
  INVALID_EXPIRES_AT: 400,
  LOT_FIELDS_ON_DEBIT: 400,
  PAYMENT_METHOD_LIMIT_REACHED: 400,
  HOLD_CAPTURE_EXCEEDS_HOLD: 400,
  INVALID_INVOICE: 400,
  INVALID_SUBSCRIPTION: 400,
  INVALID_AUTO_RECHARGE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  LEDGER_ENTRY_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_EVENT_NOT_FOUND: 404,
  PAYMENT_METHOD_NOT_FOUND: 404,
  HOLD_NOT_FOUND: 404,
  INVOICE_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  SUBSCRIPTION_NOT_FOUND: 404,
  AUTO_RECHARGE_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_ALREADY_USED: 409,
  IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST: 409,
  WEBHOOK_ENDPOINT_DISABLED: 409,
  PAYMENT_METHOD_ALREADY_ATTACHED: 409,
  HOLD_NOT_ACTIVE: 409,
  INVOICE_NOT_PAYABLE: 409,
  INVALID_TOP_UP: 400,
  REFUND_NOT_FOUND: 404,
  PAYMENT_NOT_REFUNDABLE: 409,
  REFUND_EXCEEDS_PAYMENT: 400,
  INVALID_REFUND: 400,
  DISPUTE_NOT_FOUND: 404,
  DISPUTE_NOT_OPEN: 409,
  PAYMENT_NOT_DISPUTABLE: 409,
  SUBSCRIPTION_STATUS_CONFLICT: 409,
  REFUND_NOT_FAILABLE: 409,
  PROCESSOR_EVENT_ID_REUSED: 409,
  PROCESSOR_SIGNATURE_INVALID: 401,
  PROCESSOR_TIMESTAMP_OUT_OF_TOLERANCE: 401,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  EXPECTATION_FAILED: 417,
  INVALID_REQUEST_BODY: 422,
  INVALID_REQUEST_PARAMETERS: 422,
  UNSUPPORTED_CURRENCY: 422,
  INVALID_TIME_RANGE: 422,
  AS_OF_IN_FUTURE: 422,
  INVALID_TIME_ZONE: 422,
  STATEMENT_TOO_LARGE: 422,
  WEBHOOK_REDELIVERY_TARGET_INVALID: 422,
  WEBHOOK_URL_INVALID: 422,
  WEBHOOK_EVENT_TYPE_UNKNOWN: 422,
  WEBHOOK_HEADER_NOT_ALLOWED: 422,
  PAYMENT_PROCESSOR_NOT_CONFIGURED: 422,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  STORED_RECORD_UNREADABLE: 500,
  SERVICE_UNAVAILABLE: 503,
  SERVER_BUSY: 503,
} as const satisfies Record<ErrorCode, number>;

/** Codes whose status the SDK would retry but whose answer will not change: sent with `x-should-retry: false`. */
export const terminalRetryableCodes: ReadonlySet<ErrorCode> = new Set([
  'IDEMPOTENCY_KEY_ALREADY_USED',
  'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
  'STORED_RECORD_UNREADABLE',
  'PAYMENT_METHOD_ALREADY_ATTACHED',
]);

/** Codes answered with a Retry-After header: the SDK waits that long before its (safe, idempotent) retry. */
export const retryAfterSecondsByCode: Partial<Record<ErrorCode, number>> = { SERVER_BUSY: 1 };

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  [extra: string]: unknown;
}

/** An error raised inside the HTTP layer (auth, parsing) that maps straight to the envelope. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
