// Webhook delivery's fixed numbers: the job kind, the attempt schedule (Dodo's, from Standard Webhooks) and timeouts.

export const webhookDeliveryJobKind = 'webhook.deliver';

/** The payload of a delivery job. */
export interface DeliveryJobPayload {
  event_id: string;
  endpoint_id: string;
}

/**
 * Waits before each attempt after the first: the first goes at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
 * after the attempt before it — 8 attempts in all, over about 27.6 hours.
 */
export const webhookRetryDelaysMs: readonly number[] = Object.freeze([
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);
export const webhookAttemptsMax = webhookRetryDelaysMs.length + 1;

/** A receiver that has not answered within this long has failed the attempt. */
export const webhookTimeoutMs = 15_000;
