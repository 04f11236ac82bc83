// Low-balance thresholds: the extension API (per wallet, business default) and wallet.low_balance firing exactly once
// per crossing, even under 64 concurrent debits through the official SDK, on both stores.
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { useSdkApp } from '../support/sdk.ts';

describe.each(storeKinds)('low-balance thresholds [%s]', (kind) => {
  const sdk = useSdkApp(kind);
  const walletPath = (customerId: string, currency = 'USD') => `/customers/${customerId}/wallets/${currency}/low-balance-threshold`;

  const lowBalanceEvents = async (customerId: string) => {
    await sdk.t.coffer.dispatcher.drain();
    const rows = await sdk.t.coffer.store.db
      .selectFrom('events')
      .select(['data'])
      .where('customer_id', '=', customerId)
      .where('type', '=', 'wallet.low_balance')
      .orderBy('feed_seq')
      .execute();
    return rows.map((row) => JSON.parse(row.data));
  };

  it('reads, sets and clears a wallet threshold over the business default', async () => {
    const customerId = await sdk.newCustomer('Threshold Reader');
    expect((await sdk.t.request('GET', walletPath(customerId))).json()).toEqual({ customer_id: customerId, currency: 'USD', amount: null, source: 'none' });
    const setDefault = await sdk.t.request('PUT', '/low-balance-thresholds/USD', { body: { amount: 1_000 } });
    expect(setDefault.statusCode).toBe(200);
    expect(setDefault.json()).toMatchObject({ currency: 'USD', amount: 1_000 });
    expect((await sdk.t.request('GET', '/low-balance-thresholds')).json().items).toMatchObject([{ currency: 'USD', amount: 1_000 }]);
    expect((await sdk.t.request('GET', walletPath(customerId))).json()).toMatchObject({ amount: 1_000, source: 'business_default' });
    expect((await sdk.t.request('PUT', walletPath(customerId), { body: { amount: 250 } })).json()).toMatchObject({ amount: 250, source: 'wallet' });
    expect((await sdk.t.request('GET', walletPath(customerId))).json()).toMatchObject({ amount: 250, source: 'wallet' });
    expect((await sdk.t.request('DELETE', walletPath(customerId))).json()).toMatchObject({ amount: 1_000, source: 'business_default' });
    expect((await sdk.t.request('DELETE', '/low-balance-thresholds/USD')).json()).toEqual({ items: [] });
    expect((await sdk.t.request('GET', walletPath(customerId))).json()).toMatchObject({ amount: null, source: 'none' });
  });

  it('refuses bad input with a clear 4xx and changes nothing', async () => {
    const customerId = await sdk.newCustomer('Threshold Refusals');
    const cases: Array<[string, string, object | undefined, number, string]> = [
      ['PUT', walletPath(customerId), { amount: -1 }, 422, 'INVALID_REQUEST_BODY'],
      ['PUT', walletPath(customerId), { amount: 1.5 }, 422, 'INVALID_REQUEST_BODY'],
      ['PUT', walletPath(customerId), { amount: '500' }, 422, 'INVALID_REQUEST_BODY'],
      ['PUT', walletPath(customerId), { amount: 5, extra: true }, 422, 'INVALID_REQUEST_BODY'],
      ['PUT', walletPath(customerId, 'EUR'), { amount: 5 }, 422, 'UNSUPPORTED_CURRENCY'],
      ['PUT', walletPath(customerId, 'usd'), { amount: 5 }, 422, 'INVALID_REQUEST_PARAMETERS'],
      ['PUT', walletPath('cus_missing'), { amount: 5 }, 404, 'CUSTOMER_NOT_FOUND'],
      ['PUT', '/low-balance-thresholds/EUR', { amount: 5 }, 422, 'UNSUPPORTED_CURRENCY'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const response = await sdk.t.request(method, url, { body });
      expect(response.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(status);
      expect(response.json().code).toBe(code);
    }
    const other = await sdk.t.addBusiness('Other');
    expect((await sdk.t.request('PUT', walletPath(customerId), { body: { amount: 5 }, key: other.apiKey })).statusCode).toBe(404);
    expect((await sdk.t.request('PUT', walletPath(customerId), { body: { amount: 5 }, key: sdk.t.readOnlyKey })).statusCode).toBe(403);
    expect((await sdk.t.request('GET', walletPath(customerId))).json()).toMatchObject({ amount: null, source: 'none' });
  });

  it('fires exactly once per crossing under 64 concurrent debits, and again after the balance rises back to the threshold', async () => {
    const customerId = await sdk.newCustomer('Concurrent Debits');
    await sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 6_400, currency: 'USD', entry_type: 'credit', idempotency_key: 'fund' });
    await sdk.t.request('PUT', walletPath(customerId), { body: { amount: 3_200 } });
    const debit = (index: number) =>
      sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 100, currency: 'USD', entry_type: 'debit', idempotency_key: `d-${index}` });
    await Promise.all(Array.from({ length: 64 }, (_, index) => debit(index)));
    expect(await sdk.balanceOf(customerId)).toBe(0);
    const fired = await lowBalanceEvents(customerId);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ payload_type: 'WalletLowBalance', customer_id: customerId, currency: 'USD', balance: 3_100, threshold: 3_200 });
    const entries = await sdk.entriesOf(customerId);
    const crossing = entries.find((entry) => entry.id === fired[0].entry_id)!;
    expect([crossing.before_balance, crossing.after_balance]).toEqual([3_200, 3_100]);

    // Re-armed at the threshold (not above it): one more crossing, one more event; retries of old keys add none.
    await sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 3_200, currency: 'USD', entry_type: 'credit', idempotency_key: 'refill' });
    await Promise.all(Array.from({ length: 64 }, (_, index) => debit(index).catch(() => undefined)));
    await Promise.all(Array.from({ length: 10 }, (_, index) => debit(100 + index)));
    expect(await sdk.balanceOf(customerId)).toBe(2_200);
    expect((await lowBalanceEvents(customerId)).map((event) => event.balance)).toEqual([3_100, 3_100]);
  });

  it('the business default applies to wallets without their own threshold', async () => {
    const customerId = await sdk.newCustomer('Default Applies');
    await sdk.t.request('PUT', '/low-balance-thresholds/INR', { body: { amount: 50_000 } });
    await sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 60_000, currency: 'INR', entry_type: 'credit' });
    await sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 20_000, currency: 'INR', entry_type: 'debit' });
    expect(await lowBalanceEvents(customerId)).toMatchObject([{ currency: 'INR', balance: 40_000, threshold: 50_000 }]);
    await sdk.t.request('DELETE', '/low-balance-thresholds/INR');
  });
});
