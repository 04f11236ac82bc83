// Payment methods over real HTTP on both stores, through the official SDK where the route is Dodo's
// (customers.retrievePaymentMethods / deletePaymentMethod) and its generic client.post for Coffer's attach.
import type DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentMethodsPerCustomerMax } from '../../src/payments/payment-method-schemas.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const itemKeys = ['card', 'last_used_at', 'payment_method', 'payment_method_id', 'payment_method_type', 'recurring_enabled'];
const visa = { card_network: 'Visa', last4_digits: '4242', expiry_month: '12', expiry_year: '2030' };

describe.each(storeKinds)('payment methods [%s]', (kind) => {
  let t: TestApp;
  let client: DodoPayments;
  let otherClient: DodoPayments;
  let counter = 0;
  beforeAll(async () => {
    t = await startTestApp(kind);
    const baseURL = await t.listen();
    client = sdkClient(baseURL, t.apiKey, { maxRetries: 0 });
    otherClient = sdkClient(baseURL, (await t.addBusiness('Other')).apiKey, { maxRetries: 0 });
  });
  afterAll(async () => t?.close());

  const newCustomer = async (sdk = client) => (await sdk.customers.create({ email: `pm${++counter}@example.com`, name: `Payer ${counter}` })).customer_id;
  const attach = (customerId: string, body: Record<string, unknown>, key?: string) =>
    t.request('POST', `/customers/${customerId}/payment-methods`, { body, key });
  const ids = async (customerId: string) => (await client.customers.retrievePaymentMethods(customerId)).items.map((item) => item.payment_method_id);

  it('attaches methods; the SDK lists them in its own shape, the primary (the first attached) first', async () => {
    const customerId = await newCustomer();
    expect((await client.customers.retrievePaymentMethods(customerId)).items).toEqual([]);
    const first = await client.post(`/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_card_succeeds', card: visa } });
    expect(first).toMatchObject({ payment_method_id: 'pm_card_succeeds', primary: true, processor: 'simulated', customer_id: customerId, payment_method: 'card' });
    const second = (await attach(customerId, { payment_method_type: 'debit', recurring_enabled: true })).json();
    expect(second.payment_method_id).toMatch(/^pm_[0-9A-Za-z]{21}$/);
    expect(second.primary).toBe(false);

    const { items } = await client.customers.retrievePaymentMethods(customerId);
    expect(items.map((item) => item.payment_method_id)).toEqual(['pm_card_succeeds', second.payment_method_id]);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(itemKeys);
    expect(items[0]).toEqual({
      payment_method: 'card',
      payment_method_id: 'pm_card_succeeds',
      card: visa,
      last_used_at: null,
      payment_method_type: null,
      recurring_enabled: null,
    });
    expect(items[1]).toMatchObject({ card: null, payment_method_type: 'debit', recurring_enabled: true });
  });

  it('primary: true moves the primary; detaching the primary promotes the earliest attached of the rest', async () => {
    const customerId = await newCustomer();
    for (const id of ['pm_a', 'pm_b', 'pm_c']) expect((await attach(customerId, { payment_method_id: id })).statusCode).toBe(200);
    expect((await attach(customerId, { payment_method_id: 'pm_d', primary: true })).json().primary).toBe(true);
    expect(await ids(customerId)).toEqual(['pm_d', 'pm_a', 'pm_b', 'pm_c']);
    await client.customers.deletePaymentMethod('pm_d', { customer_id: customerId });
    expect(await ids(customerId)).toEqual(['pm_a', 'pm_b', 'pm_c']);
    await client.customers.deletePaymentMethod('pm_b', { customer_id: customerId });
    expect(await ids(customerId)).toEqual(['pm_a', 'pm_c']);
    await client.customers.deletePaymentMethod('pm_a', { customer_id: customerId });
    expect(await ids(customerId)).toEqual(['pm_c']);
    // Re-attaching an attached id with the same fields and primary: true makes it primary (and is a replay).
    expect((await attach(customerId, { payment_method_id: 'pm_e', primary: true })).json().primary).toBe(true);
    const again = await attach(customerId, { payment_method_id: 'pm_c', primary: true });
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(await ids(customerId)).toEqual(['pm_c', 'pm_e']);
    const primaries = await t.coffer.store.db.selectFrom('payment_methods').select('payment_method_id').where('customer_id', '=', customerId).where('is_primary', '=', 1).execute();
    expect(primaries).toEqual([{ payment_method_id: 'pm_c' }]);
  });

  it('answers 404 in the {code, message} envelope for an unknown method or customer, also through the SDK', async () => {
    const customerId = await newCustomer();
    const missing = await t.request('DELETE', `/customers/${customerId}/payment-methods/pm_nope`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'PAYMENT_METHOD_NOT_FOUND', message: `Payment method pm_nope not found on customer ${customerId}` });
    await expect(client.customers.deletePaymentMethod('pm_nope', { customer_id: customerId })).rejects.toMatchObject({ status: 404 });
    for (const [method, url] of [['GET', '/customers/cus_missing/payment-methods'], ['DELETE', '/customers/cus_missing/payment-methods/pm_a']]) {
      const response = await t.request(method, url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().code).toBe('CUSTOMER_NOT_FOUND');
    }
    expect((await attach('cus_missing', { payment_method_id: 'pm_card_succeeds' })).json().code).toBe('CUSTOMER_NOT_FOUND');
  });

  it("keeps businesses apart: another business's customer and methods are not found", async () => {
    const customerId = await newCustomer();
    await attach(customerId, { payment_method_id: 'pm_card_succeeds' });
    await expect(otherClient.customers.retrievePaymentMethods(customerId)).rejects.toMatchObject({ status: 404 });
    await expect(otherClient.customers.deletePaymentMethod('pm_card_succeeds', { customer_id: customerId })).rejects.toMatchObject({ status: 404 });
    await expect(otherClient.post(`/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_x' } })).rejects.toMatchObject({ status: 404 });
    expect(await ids(customerId)).toEqual(['pm_card_succeeds']);
  });

  it('attach is idempotent: by payment_method_id (same fields) and by idempotency_key', async () => {
    const customerId = await newCustomer();
    const body = { payment_method_id: 'pm_card_declines', card: visa };
    const first = await attach(customerId, body);
    const repeat = await attach(customerId, body);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.headers['x-idempotent-replay']).toBe('true');
    expect(repeat.json()).toEqual(first.json());
    const changed = await attach(customerId, { ...body, card: { ...visa, last4_digits: '0000' } });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().code).toBe('PAYMENT_METHOD_ALREADY_ATTACHED');
    expect(changed.headers['x-should-retry']).toBe('false');

    const keyed = { payment_method_type: 'credit', idempotency_key: `attach-${customerId}` };
    const responses = await Promise.all(Array.from({ length: 6 }, () => attach(customerId, keyed)));
    const made = new Set(responses.map((response) => response.json().payment_method_id));
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    expect(made.size).toBe(1);
    expect(await ids(customerId)).toHaveLength(2);
    const reused = await attach(customerId, { ...keyed, payment_method_type: 'debit' });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    // A client key used for a ledger entry cannot attach a method, and the other way round.
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 5, currency: 'USD', entry_type: 'credit', idempotency_key: `ledger-${customerId}` } });
    expect((await attach(customerId, { idempotency_key: `ledger-${customerId}` })).json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
  });

  it(`refuses the ${paymentMethodsPerCustomerMax + 1}th method, an http method without a processor URL, and a read-only key`, async () => {
    const customerId = await newCustomer();
    for (let i = 0; i < paymentMethodsPerCustomerMax; i++) expect((await attach(customerId, { payment_method_id: `pm_${i}` })).statusCode).toBe(200);
    const over = await attach(customerId, { payment_method_id: 'pm_over' });
    expect(over.statusCode).toBe(400);
    expect(over.json().code).toBe('PAYMENT_METHOD_LIMIT_REACHED');
    const other = await newCustomer();
    const http = await attach(other, { payment_method_id: 'pm_http', processor: 'http' });
    expect(http.statusCode).toBe(422);
    expect(http.json().code).toBe('PAYMENT_PROCESSOR_NOT_CONFIGURED');
    expect((await attach(other, { payment_method_id: 'pm_ro' }, t.readOnlyKey)).statusCode).toBe(403);
    expect((await t.request('DELETE', `/customers/${customerId}/payment-methods/pm_0`, { key: t.readOnlyKey })).statusCode).toBe(403);
    expect((await t.request('GET', `/customers/${customerId}/payment-methods`, { key: t.readOnlyKey })).statusCode).toBe(200);
  });

  it('validates the attach body by schema (422 INVALID_REQUEST_BODY)', async () => {
    const customerId = await newCustomer();
    for (const body of [
      { payment_method_id: 'pm/../x' },
      { payment_method: 'cheque' },
      { card: { last4_digits: '42' } },
      { card: { expiry_month: '13' } },
      { card: { card_issuing_country: 'ZZ' } },
      { processor: 'stripe' },
      { primary: 'yes' },
      { balance: 1 },
    ]) {
      const response = await attach(customerId, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().code).toBe('INVALID_REQUEST_BODY');
    }
    expect(await ids(customerId)).toEqual([]);
  });
});
