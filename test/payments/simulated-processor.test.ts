// The simulated processor on both stores, through PaymentService (what billing calls): every documented test method,
// retries with the same key (concurrent, and from a second Coffer on the same database), timeouts and refunds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CofferApp } from '../../src/app/coffer.ts';
import type { ChargeInput } from '../../src/payments/payment-service.ts';
import { simulatedTestMethods } from '../../src/payments/simulated-processor.ts';
import { buildSiblingApp } from '../support/fixtures.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const timeoutMs = 150;
const delayMs = 60;
const env = { COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: String(timeoutMs), COFFER_PAYMENT_SIMULATED_DELAY_MS: String(delayMs) };

describe.each(storeKinds)('simulated payment processor [%s]', (kind) => {
  let t: TestApp;
  let customerId: string;
  let keyCounter = 0;
  beforeAll(async () => {
    t = await startTestApp(kind, env);
    customerId = (await t.request('POST', '/customers', { body: { email: 'sim@example.com', name: 'Sim' } })).json().customer_id;
    for (const id of [...Object.keys(simulatedTestMethods), 'pm_made_up']) {
      expect((await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: id } })).statusCode).toBe(200);
    }
  });
  afterAll(async () => t?.close());

  const input = (paymentMethodId: string | null, changes: Partial<ChargeInput> = {}): ChargeInput => ({
    idempotencyKey: `invoice:${++keyCounter}:charge`,
    businessId: t.businessId,
    customerId,
    paymentMethodId,
    currency: 'USD',
    amount: 4000,
    description: 'Invoice 1042',
    metadata: { invoice: 1042 },
    ...changes,
  });
  const charge = async (request: ChargeInput, signal?: AbortSignal, app: CofferApp = t.coffer) => {
    const outcome = await app.payments.charge(request, signal);
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value;
  };
  const chargeRows = (key: string) => t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('idempotency_key', '=', key).execute();

  it('pm_card_succeeds succeeds; a retry with the key returns the same charge, and marks the method used', async () => {
    const request = input('pm_card_succeeds');
    const first = await charge(request);
    expect(first).toMatchObject({ processor: 'simulated', paymentMethodId: 'pm_card_succeeds', result: { status: 'succeeded' } });
    const chargeId = (first.result as { chargeId: string }).chargeId;
    expect(chargeId).toMatch(/^ch_[0-9A-Za-z]{21}$/);
    expect((await charge(request)).result).toEqual({ status: 'succeeded', chargeId });
    expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);
    const items = (await t.request('GET', `/customers/${customerId}/payment-methods`)).json().items;
    expect(items.find((item: { payment_method_id: string }) => item.payment_method_id === 'pm_card_succeeds').last_used_at).toMatch(/^\d{4}-/);
  });

  it.each([
    ['pm_card_declines', { status: 'declined', reason: 'card_declined' }],
    ['pm_card_insufficient_funds', { status: 'declined', reason: 'insufficient_funds' }],
    ['pm_made_up', { status: 'declined', reason: 'payment_method_unknown' }],
  ])('%s is declined (%o), the same on a retry', async (method, expected) => {
    const request = input(method);
    const first = (await charge(request)).result;
    expect(first).toMatchObject(expected);
    expect((await charge(request)).result).toEqual(first);
  });

  it('pm_card_fails_after_delay fails with processing_error after the configured delay', async () => {
    const startedMs = performance.now();
    const request = input('pm_card_fails_after_delay');
    expect((await charge(request)).result).toMatchObject({ status: 'failed', reason: 'processing_error' });
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(delayMs - 5);
    // Aborted during the delay: unknown; asked again, it settles to its outcome.
    const aborted = input('pm_card_fails_after_delay');
    expect((await charge(aborted, AbortSignal.timeout(5))).result.status).toBe('pending_unknown');
    expect((await charge(aborted)).result).toMatchObject({ status: 'failed', reason: 'processing_error' });
  });

  it('pm_card_times_out answers pending_unknown at the timeout (or the abort); asked again it has succeeded, once', async () => {
    const request = input('pm_card_times_out');
    let startedMs = performance.now();
    expect((await charge(request)).result.status).toBe('pending_unknown');
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect((await chargeRows(request.idempotencyKey))[0].status).toBe('pending');
    const settled = (await charge(request)).result;
    expect(settled).toMatchObject({ status: 'succeeded' });
    expect((await charge(request)).result).toEqual(settled);

    const aborted = input('pm_card_times_out');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    startedMs = performance.now();
    expect((await charge(aborted, controller.signal)).result.status).toBe('pending_unknown');
    expect(performance.now() - startedMs).toBeLessThan(timeoutMs);
    expect((await charge(aborted)).result.status).toBe('succeeded');
  });

  it('concurrent calls with one key make one charge; a second Coffer on the same database (a restart) returns it too', async () => {
    const request = input(null); // the primary: pm_card_succeeds, attached first
    const results = await Promise.all(Array.from({ length: 8 }, () => charge(request)));
    const chargeIds = new Set(results.map((result) => (result.result as { chargeId: string }).chargeId));
    expect(chargeIds.size).toBe(1);
    expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);

    const pending = input('pm_card_times_out');
    expect((await charge(pending)).result.status).toBe('pending_unknown');
    const sibling = await buildSiblingApp(t, env);
    try {
      expect((await charge(request, undefined, sibling)).result).toEqual(results[0].result);
      // A charge left pending by the first process settles in the second, deterministically.
      const settled = (await charge(pending, undefined, sibling)).result;
      expect(settled.status).toBe('succeeded');
      expect((await charge(pending)).result).toEqual(settled);
    } finally {
      await sibling.close();
    }
    // And once more from a store opened afresh after the second one closed.
    const reopened = await buildSiblingApp(t, env);
    try {
      expect((await charge(request, undefined, reopened)).result).toEqual(results[0].result);
      expect((await charge(pending, undefined, reopened)).result.status).toBe('succeeded');
    } finally {
      await reopened.close();
    }
  });

  it('a key reused for another amount charges nothing and says so', async () => {
    const request = input('pm_card_succeeds');
    const first = await charge(request);
    expect((await charge({ ...request, amount: 1 })).result).toMatchObject({ status: 'failed', reason: 'idempotency_key_reused' });
    const rows = await chargeRows(request.idempotencyKey);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 4000, id: (first.result as { chargeId: string }).chargeId });
  });

  it('refunds up to the charge, idempotently; refuses a declined charge, another currency and an unknown one', async () => {
    const charged = await charge(input('pm_card_succeeds', { amount: 1000 }));
    const chargeId = (charged.result as { chargeId: string }).chargeId;
    const refund = (key: string, amount: number, changes: object = {}) =>
      t.coffer.payments.refund({ processor: 'simulated', idempotencyKey: key, businessId: t.businessId, chargeId, currency: 'USD', amount, reason: null, ...changes });
    const first = await refund(`r1-${chargeId}`, 600);
    expect(first).toMatchObject({ ok: true, value: { status: 'succeeded' } });
    expect(await refund(`r1-${chargeId}`, 600)).toEqual(first);
    expect(await refund(`r2-${chargeId}`, 500)).toMatchObject({ value: { status: 'declined', reason: 'amount_exceeds_refundable' } });
    expect(await refund(`r3-${chargeId}`, 400)).toMatchObject({ value: { status: 'succeeded' } });
    expect(await refund(`r4-${chargeId}`, 1)).toMatchObject({ value: { status: 'declined', reason: 'amount_exceeds_refundable' } });
    expect(await refund(`r5-${chargeId}`, 1, { currency: 'INR' })).toMatchObject({ value: { status: 'declined', reason: 'currency_mismatch' } });
    expect(await refund(`r6-${chargeId}`, 1, { chargeId: 'ch_nope' })).toMatchObject({ value: { status: 'declined', reason: 'charge_not_found' } });
    expect(await refund(`r1-${chargeId}`, 1)).toMatchObject({ value: { status: 'failed', reason: 'idempotency_key_reused' } });
    const declined = await charge(input('pm_card_declines'));
    expect(declined.result.status).toBe('declined');
    const row = await t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('id', '=', chargeId).executeTakeFirstOrThrow();
    expect(row.refunded_amount).toBe(1000);
    // Concurrent refunds of one charge never refund more than it.
    const other = await charge(input('pm_card_succeeds', { amount: 1000 }));
    const otherId = (other.result as { chargeId: string }).chargeId;
    const racing = await Promise.all(Array.from({ length: 6 }, (_, i) => refund(`race-${otherId}-${i}`, 300, { chargeId: otherId })));
    expect(racing.filter((r) => r.ok && r.value.status === 'succeeded')).toHaveLength(3);
  });

  it('charges the named or primary method only if the customer has it (PAYMENT_METHOD_NOT_FOUND)', async () => {
    expect(await t.coffer.payments.charge(input('pm_not_attached'))).toMatchObject({ ok: false, code: 'PAYMENT_METHOD_NOT_FOUND' });
    const bare = (await t.request('POST', '/customers', { body: { email: 'bare@example.com', name: 'Bare' } })).json().customer_id;
    expect(await t.coffer.payments.charge(input(null, { customerId: bare }))).toMatchObject({ ok: false, code: 'PAYMENT_METHOD_NOT_FOUND' });
    expect(await t.coffer.payments.charge(input(null, { customerId: 'cus_missing' }))).toMatchObject({ ok: false, code: 'CUSTOMER_NOT_FOUND' });
  });
});
