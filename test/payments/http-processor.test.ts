// The HTTP processor against a real local receiver on both stores: signed requests verified with the standardwebhooks
// package, every answer mapped, timeouts pending_unknown, the SSRF guard, and no database transaction held meanwhile.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processorMessageId } from '../../src/payments/http-processor.ts';
import type { ChargeInput } from '../../src/payments/payment-service.ts';
import { newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Answer, type Receiver, startReceiver } from '../webhooks/receiver.ts';

const timeoutMs = 300;
const json = (status: number, body: unknown): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.each(storeKinds)('HTTP payment processor [%s]', (kind) => {
  const secret = newWebhookSecret();
  let receiver: Receiver;
  let plan: (body: Record<string, unknown>) => Answer = () => json(200, { status: 'succeeded', charge_id: 'ch_remote_1' });
  let t: TestApp;
  let customerId: string;
  let keyCounter = 0;
  beforeAll(async () => {
    receiver = await startReceiver((request) => plan(JSON.parse(request.body)));
    t = await startTestApp(kind, {
      COFFER_PAYMENT_PROCESSOR_URL: `${receiver.url}/charges`,
      COFFER_PAYMENT_PROCESSOR_SECRET: secret,
      COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true',
      COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: String(timeoutMs),
    });
    customerId = (await t.request('POST', '/customers', { body: { email: 'http@example.com', name: 'Http' } })).json().customer_id;
    const attached = await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_stripe_abc', processor: 'http' } });
    expect(attached.json()).toMatchObject({ processor: 'http', primary: true });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const input = (changes: Partial<ChargeInput> = {}): ChargeInput => ({
    idempotencyKey: `invoice:${++keyCounter}:charge`,
    businessId: t.businessId,
    customerId,
    paymentMethodId: null,
    currency: 'USD',
    amount: 2500,
    description: 'Invoice 7',
    metadata: { invoice: 7, plan: 'pro' },
    ...changes,
  });
  const charge = async (request: ChargeInput) => {
    const outcome = await t.coffer.payments.charge(request);
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value.result;
  };

  it('POSTs a Standard-Webhooks-signed charge that the standardwebhooks package verifies, and maps succeeded', async () => {
    plan = () => json(200, { status: 'succeeded', charge_id: 'ch_remote_1' });
    const before = receiver.received.length;
    const request = input();
    expect(await charge(request)).toEqual({ status: 'succeeded', chargeId: 'ch_remote_1' });
    const seen = receiver.received.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0].path).toBe('/hook/charges');
    expect(seen[0].headers['user-agent']).toBe('Coffer-Payments/1');
    expect(seen[0].headers['content-type']).toBe('application/json');
    const verified = new Webhook(secret).verify(seen[0].body, seen[0].headers);
    expect(verified).toEqual({
      type: 'charge',
      idempotency_key: request.idempotencyKey,
      business_id: t.businessId,
      customer_id: customerId,
      payment_method_id: 'pm_stripe_abc',
      currency: 'USD',
      amount: 2500,
      description: 'Invoice 7',
      metadata: { invoice: 7, plan: 'pro' },
    });
    expect(() => new Webhook(newWebhookSecret()).verify(seen[0].body, seen[0].headers)).toThrow();
    // A retry carries the same webhook-id (the receiver can dedupe on it as well as on idempotency_key).
    await charge(request);
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(seen[0].headers['webhook-id']);
    expect(seen[0].headers['webhook-id']).toBe(processorMessageId({ type: 'charge', business_id: t.businessId, idempotency_key: request.idempotencyKey }));
  });

  it.each([
    ['declined', json(200, { status: 'declined', reason: 'card_declined', message: 'Do not honor' }), { status: 'declined', reason: 'card_declined', message: 'Do not honor' }],
    ['failed', json(200, { status: 'failed', reason: 'processing_error' }), { status: 'failed', reason: 'processing_error' }],
    ['an odd reason', json(200, { status: 'declined', reason: 'Not A Code!' }), { status: 'declined', reason: 'unspecified' }],
    ['pending', json(200, { status: 'pending' }), { status: 'pending_unknown' }],
    ['succeeded without a charge_id', json(200, { status: 'succeeded' }), { status: 'pending_unknown' }],
    ['a 2xx that is not JSON', { status: 200, body: 'ok' }, { status: 'pending_unknown' }],
    ['an unknown status', json(200, { status: 'maybe' }), { status: 'pending_unknown' }],
    ['HTTP 500', json(500, {}), { status: 'pending_unknown' }],
    ['HTTP 302', { status: 302, headers: { location: 'http://127.0.0.1:1/' } }, { status: 'pending_unknown' }],
    ['HTTP 409', json(409, {}), { status: 'pending_unknown' }],
    ['HTTP 400', json(400, { error: 'bad signature' }), { status: 'failed', reason: 'processor_rejected_request' }],
    ['HTTP 429', json(429, {}), { status: 'failed', reason: 'processor_busy' }],
  ] as const)('maps %s', async (_name, answer, expected) => {
    plan = () => answer;
    expect(await charge(input())).toMatchObject(expected);
  });

  it('answers pending_unknown when the processor does not answer in time, and holds no transaction meanwhile', async () => {
    plan = () => ({ hang: true });
    const startedMs = performance.now();
    const pending = charge(input());
    await receiver.waitFor(receiver.received.length + 1);
    // The processor is called outside any transaction: the API still writes (SQLite has one writer).
    const customer = await t.request('POST', '/customers', { body: { email: 'during@example.com', name: 'During' } });
    expect(customer.statusCode).toBe(200);
    const credit = await t.request('POST', `/customers/${customer.json().customer_id}/wallets/ledger-entries`, { body: { amount: 10, currency: 'USD', entry_type: 'credit' } });
    expect(credit.statusCode).toBe(200);
    expect(performance.now() - startedMs).toBeLessThan(timeoutMs);
    expect(await pending).toMatchObject({ status: 'pending_unknown', message: expect.stringMatching(/timed out after 300 ms/) });
  });

  it('answers pending_unknown at once when the caller aborts', async () => {
    plan = () => ({ hang: true });
    const startedMs = performance.now();
    const outcome = await t.coffer.payments.charge(input(), AbortSignal.timeout(30));
    expect(outcome).toMatchObject({ ok: true, value: { result: { status: 'pending_unknown', message: expect.stringMatching(/aborted/) } } });
    expect(performance.now() - startedMs).toBeLessThan(timeoutMs);
  });

  it('signs refunds the same way and maps their answer', async () => {
    plan = (body) => (body.type === 'refund' ? json(200, { status: 'succeeded', refund_id: 're_remote_9' }) : json(400, {}));
    const before = receiver.received.length;
    const outcome = await t.coffer.payments.refund({ processor: 'http', idempotencyKey: 'refund:1', businessId: t.businessId, chargeId: 'ch_remote_1', currency: 'USD', amount: 500, reason: 'Goodwill' });
    expect(outcome).toEqual({ ok: true, value: { status: 'succeeded', refundId: 're_remote_9' } });
    // A charge that the tests before gave up on (aborted, timed out) may still reach the receiver late: take the refund.
    const seen = receiver.received.slice(before).find((request) => JSON.parse(request.body).type === 'refund')!;
    expect(seen).toBeDefined();
    expect(new Webhook(secret).verify(seen.body, seen.headers)).toEqual({
      type: 'refund', idempotency_key: 'refund:1', business_id: t.businessId, charge_id: 'ch_remote_1', currency: 'USD', amount: 500, reason: 'Goodwill',
    });
  });
});

describe.each(storeKinds)('HTTP payment processor, unreachable or refused [%s]', (kind) => {
  let t: TestApp;
  let strict: TestApp;
  let receiver: Receiver;
  let closedPort: number;
  beforeAll(async () => {
    receiver = await startReceiver(() => json(200, { status: 'succeeded', charge_id: 'ch_should_not_happen' }));
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const secret = newWebhookSecret();
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_URL: `http://127.0.0.1:${closedPort}/charges`, COFFER_PAYMENT_PROCESSOR_SECRET: secret, COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS: 'true' });
    // Without COFFER_PAYMENT_PROCESSOR_ALLOW_PRIVATE_URLS a loopback processor is refused: by literal address, and by name.
    strict = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_URL: receiver.url.replace('127.0.0.1', 'localhost'), COFFER_PAYMENT_PROCESSOR_SECRET: secret });
  });
  afterAll(async () => {
    await t?.close();
    await strict?.close();
    await receiver?.close();
  });

  const chargeOn = async (app: TestApp) => {
    const customerId = (await app.request('POST', '/customers', { body: { email: 'u@example.com', name: 'U' } })).json().customer_id;
    await app.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_remote', processor: 'http' } });
    const outcome = await app.coffer.payments.charge({
      idempotencyKey: 'k1', businessId: app.businessId, customerId, paymentMethodId: null, currency: 'USD', amount: 100, description: 'x', metadata: {},
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value.result;
  };

  it('a refused connection is failed (processor_unreachable): nothing was sent, so nothing was charged', async () => {
    expect(await chargeOn(t)).toMatchObject({ status: 'failed', reason: 'processor_unreachable', message: expect.stringMatching(/connection refused/) });
  });

  it('a loopback processor is refused by the SSRF guard unless private URLs are allowed; the receiver sees nothing', async () => {
    expect(await chargeOn(strict)).toMatchObject({ status: 'failed', reason: 'processor_unreachable', message: expect.stringMatching(/^refused: localhost resolves to/) });
    expect(receiver.received).toHaveLength(0);
  });
});
