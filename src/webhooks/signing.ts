// Standard Webhooks signing: the webhook-id, webhook-timestamp and webhook-signature headers of one delivery attempt.
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpointsTable } from '../db/schema.ts';

/** The endpoint columns signing reads: the current secret and, during a rotation's overlap, the previous one. */
export type SigningSecrets = Pick<WebhookEndpointsTable, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>;

export interface SignatureHeaders {
  'webhook-id': string;
  /** Unix seconds of the attempt, as an integer string. */
  'webhook-timestamp': string;
  /** Space-separated `v1,<base64 HMAC-SHA256>`: the current secret's first, then the previous secret's while it lasts. */
  'webhook-signature': string;
}

/** The secrets an attempt at `now` signs with: the current one, and the previous one until it expires. */
export function signingSecrets(endpoint: SigningSecrets, now: Date): string[] {
  const secrets = [endpoint.secret];
  const expiresAt = endpoint.previous_secret_expires_at;
  if (endpoint.previous_secret && expiresAt !== null && Date.parse(expiresAt) > now.getTime()) secrets.push(endpoint.previous_secret);
  return secrets;
}

/**
 * Signs `${id}.${timestamp}.${body}` with each secret (the key is the base64 after `whsec_`), so a receiver verifying
 * with either secret during a rotation accepts the delivery. `id` is the event id: every attempt of an event carries it.
 */
export function signatureHeaders(input: { id: string; body: string; now: Date; secrets: readonly string[] }): SignatureHeaders {
  if (input.secrets.length === 0) throw new Error('a webhook needs at least one secret to be signed');
  // Standard Webhooks timestamps are whole seconds; the signature covers the same value the header carries.
  const timestamp = new Date(Math.floor(input.now.getTime() / 1000) * 1000);
  const signatures = input.secrets.map((secret) => new Webhook(secret).sign(input.id, timestamp, input.body));
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': signatures.join(' '),
  };
}
