// The ledger's basic path on both stores: credit, debit, insufficient funds, duplicate key, pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

describe.each(storeKinds)('ledger basics [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('credits, debits, refuses an overdraft and lists newest first', async () => {
    const created = await t.request('POST', '/customers', { body: { email: 'a@example.com', name: 'A' } });
    expect(created.statusCode).toBe(200);
    const customerId = created.json().customer_id as string;
    expect(customerId).toMatch(/^cus_[0-9A-Za-z]{21}$/);

    const post = (body: object) => t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body });
    const credit = await post({ amount: 5000, currency: 'USD', entry_type: 'credit', idempotency_key: 'dep_1' });
    expect(credit.statusCode).toBe(200);
    expect(credit.json()).toMatchObject({ balance: 5000, currency: 'USD', customer_id: customerId });

    const debit = await post({ amount: 1500, currency: 'USD', entry_type: 'debit', idempotency_key: 'buy_1' });
    expect(debit.json().balance).toBe(3500);

    const overdraft = await post({ amount: 3501, currency: 'USD', entry_type: 'debit', idempotency_key: 'buy_2' });
    expect(overdraft.statusCode).toBe(400);
    expect(overdraft.json().code).toBe('INSUFFICIENT_WALLET_FUNDS');

    const repeat = await post({ amount: 5000, currency: 'USD', entry_type: 'credit', idempotency_key: 'dep_1' });
    expect(repeat.statusCode).toBe(409);
    expect(repeat.headers['x-should-retry']).toBe('false');
    expect(repeat.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_ALREADY_USED', wallet: { balance: 3500 } });

    const page0 = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=1&page_number=0`);
    expect(page0.json().items.map((e: { amount: number }) => e.amount)).toEqual([1500]);
    const page1 = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=1&page_number=1`);
    expect(page1.json().items[0]).toMatchObject({ amount: 5000, before_balance: 0, after_balance: 5000, is_credit: true });
    const page2 = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=1&page_number=2`);
    expect(page2.json()).toEqual({ items: [] });
  });
});
