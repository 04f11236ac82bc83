// Verifies the Standard Webhooks signature of a request the HTTP processor sends to Coffer's callback: the same
// scheme and secret (COFFER_PAYMENT_PROCESSOR_SECRET) Coffer signs its own requests to the processor with. The
// timestamp is checked against Coffer's clock, within a tolerance, so that an old signed request cannot be replayed.
import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { type Result, err, ok } from '../shared/result.ts';
import type { PaymentErrorCode } from './payment-errors.ts';

/** How far a callback's webhook-timestamp may be from Coffer's clock, either way (Standard Webhooks' default). */
export const processorEventToleranceMs = 5 * 60_000;
/** The longest webhook-id accepted (the processor's event id). */
export const processorEventIdLengthMax = 255;
/** Signatures one webhook-signature header may carry (a sender rotating secrets sends two). */
const signaturesMax = 8;
const eventIdPattern = /^[\x21-\x7E]+$/;

export interface SignedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received. */
  body: string;
}

const header = (headers: SignedRequest['headers'], name: string): string | null => {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
};

/** The event id (webhook-id) of a request whose signature and timestamp are good. */
export function verifyProcessorSignature(request: SignedRequest, secret: string, now: Date): Result<{ eventId: string }, PaymentErrorCode> {
  const id = header(request.headers, 'webhook-id');
  const timestamp = header(request.headers, 'webhook-timestamp');
  const signature = header(request.headers, 'webhook-signature');
  if (id === null || timestamp === null || signature === null) {
    return err('PROCESSOR_SIGNATURE_INVALID', 'The webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks)');
  }
  if (id.length > processorEventIdLengthMax || !eventIdPattern.test(id)) {
    return err('PROCESSOR_SIGNATURE_INVALID', `webhook-id must be 1 to ${processorEventIdLengthMax} printable characters`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) return err('PROCESSOR_SIGNATURE_INVALID', 'webhook-timestamp must be Unix seconds');
  const sentAtMs = Number(timestamp) * 1000;
  if (Math.abs(now.getTime() - sentAtMs) > processorEventToleranceMs) {
    return err('PROCESSOR_TIMESTAMP_OUT_OF_TOLERANCE', `webhook-timestamp ${timestamp} is more than ${processorEventToleranceMs / 1000} s from Coffer's clock (${Math.floor(now.getTime() / 1000)})`);
  }
  const expected = Buffer.from(new Webhook(secret).sign(id, new Date(sentAtMs), request.body).split(',')[1] ?? '', 'base64');
  const offered = signature.split(' ').slice(0, signaturesMax);
  for (const entry of offered) {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || value === undefined) continue;
    const candidate = Buffer.from(value, 'base64');
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return ok({ eventId: id });
  }
  return err('PROCESSOR_SIGNATURE_INVALID', 'webhook-signature does not match the body signed with COFFER_PAYMENT_PROCESSOR_SECRET');
}
