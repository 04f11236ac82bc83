// Wallet listing on both stores: the {items, total_balance_usd} shape, FX conversion, and configurable currencies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSiblingApp, createCustomer, credit, debit, entriesPage, listWallets, postEntry } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

describe.each(storeKinds)('wallets [%s]', (kind) => {
  describe('default currencies (USD, INR)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind);
    });
    afterAll(async () => t?.close());

    it('lists one wallet per currency with exactly the Dodo fields', async () => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 250, 'USD');
      const wallets = await listWallets(t, customer.customer_id);
      expect(Object.keys(wallets).sort()).toEqual(['items', 'total_balance_usd']);
      expect(wallets.items).toHaveLength(2);
      for (const wallet of wallets.items) {
        // Dodo's fields, and the two expiry extensions (docs/expiry.md), which the SDK's types ignore.
        expect(Object.keys(wallet).sort()).toEqual(['available_balance', 'balance', 'created_at', 'currency', 'customer_id', 'expiring_amount', 'held_amount', 'next_expiry_at', 'updated_at']);
        expect(wallet.customer_id).toBe(customer.customer_id);
      }
      const usd = wallets.items.find((w) => w.currency === 'USD')!;
      const inr = wallets.items.find((w) => w.currency === 'INR')!;
      expect(usd.balance).toBe(250);
      expect(inr.balance).toBe(0);
      expect(usd.updated_at >= usd.created_at).toBe(true);
      expect(inr.updated_at).toBe(inr.created_at);
    });

    it('converts to US cents: 1000 cents + 100000 paise at INR=0.012 is 2200', async () => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 1000, 'USD');
      await credit(t, customer.customer_id, 100_000, 'INR');
      expect((await listWallets(t, customer.customer_id)).total_balance_usd).toBe(2200);
    });

    it.each([
      [1, 0], // 0.012 cents
      [41, 0], // 0.492 cents
      [42, 1], // 0.504 cents
      [125, 2], // 1.5 cents: half rounds up
      [12_345, 148], // 148.14 cents
      [100_000_000_000, 1_200_000_000],
    ])('rounds %i paise to %i cents, half up', async (paise, cents) => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, paise, 'INR');
      expect((await listWallets(t, customer.customer_id)).total_balance_usd).toBe(cents);
    });

    it('follows the balances as they move', async () => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 5000, 'USD');
      await credit(t, customer.customer_id, 50_000, 'INR');
      await debit(t, customer.customer_id, 1200, 'USD');
      await debit(t, customer.customer_id, 25_000, 'INR');
      const wallets = await listWallets(t, customer.customer_id);
      expect(wallets.items.find((w) => w.currency === 'USD')!.balance).toBe(3800);
      expect(wallets.items.find((w) => w.currency === 'INR')!.balance).toBe(25_000);
      expect(wallets.total_balance_usd).toBe(3800 + 300);
    });

    it.each(['EUR', 'GBP', 'JPY'])('rejects %s with 422 UNSUPPORTED_CURRENCY, writing nothing', async (currency) => {
      const customer = await createCustomer(t);
      const response = await postEntry(t, customer.customer_id, { amount: 100, currency, entry_type: 'credit', idempotency_key: `x_${currency}` });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ code: 'UNSUPPORTED_CURRENCY', message: expect.stringContaining(currency) });
      expect(response.json().message).toContain('USD, INR');
      expect(await entriesPage(t, customer.customer_id)).toEqual([]);
      const listed = await t.request('GET', `/customers/${customer.customer_id}/wallets/ledger-entries?currency=${currency}`);
      expect(listed.statusCode).toBe(422);
      expect(listed.json().code).toBe('UNSUPPORTED_CURRENCY');
      expect((await listWallets(t, customer.customer_id)).items.map((w) => w.currency).sort()).toEqual(['INR', 'USD']);
    });

    it.each(['usd', 'US', 'USDT', '', 1])('rejects the malformed currency %j with 422 INVALID_REQUEST_BODY', async (currency) => {
      const customer = await createCustomer(t);
      const response = await postEntry(t, customer.customer_id, { amount: 100, currency, entry_type: 'credit' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'INVALID_REQUEST_BODY', message: expect.stringContaining('currency') });
    });

    it('answers 404 CUSTOMER_NOT_FOUND for the wallets of an unknown customer', async () => {
      const response = await t.request('GET', '/customers/cus_000000000000000000000/wallets');
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('CUSTOMER_NOT_FOUND');
    });

    it('shows a currency added to the configuration later as an empty wallet, usable at once', async () => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 1000, 'USD');
      const later = await buildSiblingApp(t, { COFFER_CURRENCIES: 'USD,INR,EUR', COFFER_FX_RATES: 'EUR=1.1' });
      try {
        const request = (method: 'GET' | 'POST', url: string, payload?: object) =>
          later.app.inject({ method, url, payload, headers: { authorization: `Bearer ${t.apiKey}` } });
        const before = (await request('GET', `/customers/${customer.customer_id}/wallets`)).json();
        expect(before.items.map((w: { currency: string }) => w.currency).sort()).toEqual(['EUR', 'INR', 'USD']);
        expect(before.items.find((w: { currency: string }) => w.currency === 'EUR').balance).toBe(0);
        expect(before.total_balance_usd).toBe(1000);

        const posted = await request('POST', `/customers/${customer.customer_id}/wallets/ledger-entries`, {
          amount: 500,
          currency: 'EUR',
          entry_type: 'credit',
        });
        expect(posted.statusCode, posted.body).toBe(200);
        expect(posted.json()).toMatchObject({ currency: 'EUR', balance: 500 });
        const after = (await request('GET', `/customers/${customer.customer_id}/wallets`)).json();
        expect(after.total_balance_usd).toBe(1000 + 550);
        const entries = (await request('GET', `/customers/${customer.customer_id}/wallets/ledger-entries?currency=EUR`)).json();
        expect(entries.items).toMatchObject([{ amount: 500, before_balance: 0, after_balance: 500, currency: 'EUR' }]);
      } finally {
        await later.close();
      }
      // The original app, still configured for USD and INR only, refuses EUR.
      const refused = await postEntry(t, customer.customer_id, { amount: 1, currency: 'EUR', entry_type: 'credit' });
      expect(refused.json().code).toBe('UNSUPPORTED_CURRENCY');
    });
  });

  describe('COFFER_CURRENCIES=USD,INR,EUR with COFFER_FX_RATES=EUR=1.1', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, { COFFER_CURRENCIES: 'USD,INR,EUR', COFFER_FX_RATES: 'EUR=1.1' });
    });
    afterAll(async () => t?.close());

    it('creates EUR wallets with new customers and converts them at the configured rate', async () => {
      const customer = await createCustomer(t);
      const empty = await listWallets(t, customer.customer_id);
      expect(empty.items.map((w) => w.currency).sort()).toEqual(['EUR', 'INR', 'USD']);
      expect(empty.items.every((w) => w.balance === 0)).toBe(true);

      const wallet = await credit(t, customer.customer_id, 1000, 'EUR');
      expect(wallet).toMatchObject({ currency: 'EUR', balance: 1000, customer_id: customer.customer_id });
      await credit(t, customer.customer_id, 1000, 'USD');
      await credit(t, customer.customer_id, 100_000, 'INR');
      expect((await listWallets(t, customer.customer_id)).total_balance_usd).toBe(1100 + 1000 + 1200);
    });

    it('rounds once, on the exact sum of all currencies', async () => {
      const customer = await createCustomer(t);
      // 29 paise = 0.348 cents and 2 EUR cents = 2.2 cents: the exact sum 2.548 rounds to 3, where rounding each
      // currency first would give 0 + 2 = 2.
      await credit(t, customer.customer_id, 29, 'INR');
      await credit(t, customer.customer_id, 2, 'EUR');
      expect((await listWallets(t, customer.customer_id)).total_balance_usd).toBe(3);
    });

    it('still refuses currencies that are not configured', async () => {
      const customer = await createCustomer(t);
      const response = await postEntry(t, customer.customer_id, { amount: 1, currency: 'GBP', entry_type: 'credit' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_CURRENCY', message: expect.stringContaining('USD, INR, EUR') });
    });

  });

  describe('COFFER_FX_RATES=INR=0.0125 overrides the default INR rate', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, { COFFER_FX_RATES: 'INR=0.0125' });
    });
    afterAll(async () => t?.close());

    it('converts 100000 paise to 1250 cents', async () => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 100_000, 'INR');
      expect((await listWallets(t, customer.customer_id)).total_balance_usd).toBe(1250);
    });
  });
});
