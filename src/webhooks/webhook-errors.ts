// Error codes of webhook endpoint management; src/http/errors.ts maps each to an HTTP status.
import type { CustomerErrorCode } from '../customers/customer-errors.ts';
import type { LedgerErrorCode } from '../ledger/ledger-errors.ts';

export const webhookErrorCodes = [
  /** No endpoint with this id in the caller's business (another business's endpoint is not found either). */
  'WEBHOOK_NOT_FOUND',
  /** The url is not an absolute http(s) URL Coffer may deliver to (the SSRF rule of url-guard.ts). */
  'WEBHOOK_URL_INVALID',
  /** filter_types names an event Coffer does not emit. */
  'WEBHOOK_EVENT_TYPE_UNKNOWN',
  /** A custom header Coffer sets itself (reserved), named twice, or one too many once merged. */
  'WEBHOOK_HEADER_NOT_ALLOWED',
  /** The business already has webhookEndpointsMax endpoints. */
  'WEBHOOK_ENDPOINT_LIMIT_REACHED',
] as const;

/** Codes owned elsewhere that endpoint management also returns: a reused client key, a row that cannot be served. */
type SharedCode = Extract<LedgerErrorCode, 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST'> | Extract<CustomerErrorCode, 'STORED_RECORD_UNREADABLE'>;

export type WebhookErrorCode = (typeof webhookErrorCodes)[number] | SharedCode;
