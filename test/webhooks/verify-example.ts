// docs/webhooks.md shows this file below its first line verbatim; test/webhooks/delivery-doc.test.ts runs it.
import http from 'node:http';
import DodoPayments from 'dodopayments';
import { Webhook } from 'standardwebhooks';

// The endpoint's secret (GET /webhooks/{webhook_id}/secret), e.g. from DODO_PAYMENTS_WEBHOOK_KEY.
type Secret = string;

/** With the official SDK: verifies the signature and the timestamp (±5 minutes), then parses the envelope. */
export function verifyWithSdk(body: string, headers: Record<string, string>, secret: Secret) {
  const client = new DodoPayments({ bearerToken: 'not used for verifying', webhookKey: secret });
  return client.webhooks.unwrap(body, { headers });
}

/** With the standardwebhooks library directly (what the SDK uses inside). */
export function verifyWithStandardWebhooks(body: string, headers: Record<string, string>, secret: Secret) {
  return new Webhook(secret).verify(body, headers) as { type: string; data: Record<string, unknown> };
}

/**
 * A receiver: verify the raw bytes (before any JSON parsing), answer 2xx quickly, and act on each event once — a
 * delivery can arrive more than once (a retry after a lost answer, a redelivery), always with the same webhook-id.
 */
export function webhookReceiver(secret: Secret, onEvent: (event: { type: string }) => void): http.Server {
  const handled = new Set<string>();
  return http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = request.headers as Record<string, string>;
      let event: { type: string };
      try {
        event = verifyWithSdk(body, headers, secret);
      } catch {
        response.writeHead(400).end();
        return;
      }
      if (!handled.has(headers['webhook-id'])) {
        handled.add(headers['webhook-id']);
        onEvent(event);
      }
      response.writeHead(204).end();
    });
  });
}
