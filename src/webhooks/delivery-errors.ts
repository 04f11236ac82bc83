// Error codes of webhook delivery (the attempt log and redelivery); src/http/errors.ts maps each to an HTTP status.
export const deliveryErrorCodes = [
  /** No endpoint with this id in the caller's business (unknown, deleted, or another business's). */
  'WEBHOOK_NOT_FOUND',
  /** No event with this id in the caller's business. */
  'WEBHOOK_EVENT_NOT_FOUND',
  /** A redelivery to an endpoint that is disabled: it would only record skipped attempts. */
  'WEBHOOK_ENDPOINT_DISABLED',
  /** A redelivery must name exactly one of event_id or since. */
  'WEBHOOK_REDELIVERY_TARGET_INVALID',
] as const;
export type DeliveryErrorCode = (typeof deliveryErrorCodes)[number];
