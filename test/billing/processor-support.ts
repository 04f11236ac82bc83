// Helpers of the HTTP processor's callback suites: a fake processor service (a real local HTTP server that answers
// Coffer's charge and refund calls), a Coffer app configured for it, and a sender that signs events with Standard
// Webhooks exactly as a processor would and POSTs them over real HTTP.
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { Clock } from '../../src/shared/clock.ts';
import { newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';
import type { StoreKind } from '../../src/config/config.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

export interface ProcessorWorld {
  t: TestApp;
  receiver: Receiver;
  secret: string;
  baseUrl: string;
  close(): Promise<void>;
}

/** Charges answer succeeded with charge_id `ch_<key>`, refunds with refund_id `re_<key>`. */
export async function startProcessorWorld(kind: StoreKind, clock: Clock, extraEnv: Record<string, string> = {}): Promise<ProcessorWorld> {
  const secret = newWebhookSecret();
  const receiver = await startReceiver((request) => {
    const call = JSON.parse(request.body) as { type: string; idempotency_key: string };
    const id = `${call.type === 'charge' ? 'ch' : 're'}_${call.idempotency_key.replace(/[^A-Za-z0-9]/g, '')}`;
    const body = call.type === 'charge' ? { status: 'succeeded', charge_id: id } : { status: 'succeeded', refund_id: id };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  });
  const t = await startTestApp(
    kind,
    { COFFER_PAYMENT_PROCESSOR_URL: receiver.url, COFFER_PAYMENT_PROCESSOR_SECRET: secret, COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true', ...extraEnv },
    { clock },
  );
  const baseUrl = await t.listen();
  return {
    t,
    receiver,
    secret,
    baseUrl,
    async close() {
      await t.close();
      await receiver.close();
    },
  };
}

export interface SendOptions {
  /** The event id (webhook-id); a new one each call unless given. */
  id?: string;
  secret?: string;
  /** When it was signed; Coffer's clock by default. */
  signedAt?: Date;
  /** Sent instead of the signed body (a body changed after signing). */
  bodySent?: string;
  headers?: Record<string, string>;
}

let eventCounter = 0;
export const newEventId = () => `msg_${process.pid}_${++eventCounter}_${Math.random().toString(36).slice(2, 8)}`;

/** Signs `event` as the processor does and POSTs it to /processor/events; answers status, headers and parsed body. */
export async function sendEvent(world: ProcessorWorld, clock: Clock, event: unknown, options: SendOptions = {}) {
  const id = options.id ?? newEventId();
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const signedAt = options.signedAt ?? clock.now();
  const signature = new Webhook(options.secret ?? world.secret).sign(id, signedAt, body);
  const response = await fetch(`${world.baseUrl}/processor/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
      'webhook-signature': signature,
      ...options.headers,
    },
    body: options.bodySent ?? body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, any>, id };
}

/** A customer with the processor's card attached (processor http), topped up by `amount`: its payment and charge id. */
export async function httpTopUp(world: ProcessorWorld, amount: number, customerId?: string) {
  const { t } = world;
  const id = customerId ?? (await t.request('POST', '/customers', { body: { email: `cb-${newEventId()}@example.com`, name: 'Callback' } })).json().customer_id;
  if (!customerId) {
    const attached = await t.request('POST', `/customers/${id}/payment-methods`, { body: { payment_method_id: 'pm_remote_card', processor: 'http' } });
    expect(attached.statusCode, attached.body).toBe(200);
  }
  const topUp = await t.request('POST', `/customers/${id}/wallets/top-ups`, { body: { currency: 'USD', amount, idempotency_key: `cb-top-up-${newEventId()}` } });
  expect(topUp.statusCode, topUp.body).toBe(200);
  const payment = topUp.json().payment;
  expect(payment).toMatchObject({ status: 'succeeded' });
  const row = await t.coffer.store.db.selectFrom('payments').select(['charge_id', 'processor']).where('id', '=', payment.payment_id).executeTakeFirstOrThrow();
  expect(row.processor).toBe('http');
  return { customerId: id as string, paymentId: payment.payment_id as string, chargeId: row.charge_id! };
}
