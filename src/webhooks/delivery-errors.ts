// Error codes of webhook delivery (the attempt log and redelivery); src/http/errors.ts maps each to an HTTP status.
import type { WebhookErrorCode } from './webhook-errors.ts';

export const deliveryErrorCodes = [
  /** No event with this id in the caller's business. */
  'WEBHOOK_EVENT_NOT_FOUND',
  /** A redelivery to an endpoint that is disabled: it would only record skipped attempts. */
  'WEBHOOK_ENDPOINT_DISABLED',
  /** A redelivery must name exactly one of event_id or since. */
  'WEBHOOK_REDELIVERY_TARGET_INVALID',
] as const;
/** Delivery's own codes, and WEBHOOK_NOT_FOUND (endpoint management's) for an unknown, deleted or other business's endpoint. */
export type DeliveryErrorCode = (typeof deliveryErrorCodes)[number] | Extract<WebhookErrorCode, 'WEBHOOK_NOT_FOUND'>;
