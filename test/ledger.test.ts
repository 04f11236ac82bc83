// Ledger entries over HTTP on both stores: every field, ordering, pages, amount bounds, and balances equal their entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntriesTable } from '../src/db/schema.ts';
import {
  type WireEntry,
  allEntries,
  balanceOf,
  createCustomer,
  credit,
  debit,
  entriesPage,
  listWallets,
  openSideStore,
  postEntry,
} from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

const entryIdPattern = /^cwt_[0-9A-Za-z]{21}$/;

describe.each(storeKinds)('ledger entries [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('returns the updated wallet and records every field of each entry', async () => {
    const customer = await createCustomer(t);
    const id = customer.customer_id;
    const wallet = await credit(t, id, 5000, 'USD', { reason: 'Welcome bonus', idempotency_key: 'bonus_1' });
    expect(wallet).toEqual({
      balance: 5000,
      created_at: customer.created_at,
      currency: 'USD',
      customer_id: id,
      updated_at: expect.any(String),
    });
    expect(wallet.updated_at >= wallet.created_at).toBe(true);
    await debit(t, id, 1500, 'USD');

    const [debitEntry, creditEntry] = await entriesPage(t, id);
    expect(creditEntry).toEqual({
      id: expect.stringMatching(entryIdPattern),
      after_balance: 5000,
      amount: 5000,
      before_balance: 0,
      business_id: t.businessId,
      created_at: expect.any(String),
      currency: 'USD',
      customer_id: id,
      event_type: 'merchant_adjustment',
      is_credit: true,
      reason: 'Welcome bonus',
      reference_object_id: null,
      idempotency_key: 'bonus_1',
    });
    expect(debitEntry).toMatchObject({
      after_balance: 3500,
      amount: 1500,
      before_balance: 5000,
      is_credit: false,
      event_type: 'merchant_adjustment',
      reason: null,
      reference_object_id: null,
      idempotency_key: null,
    });
    expect(debitEntry.id).not.toBe(creditEntry.id);
    expect(new Date(creditEntry.created_at).toISOString()).toBe(creditEntry.created_at);
    expect(debitEntry.created_at >= creditEntry.created_at).toBe(true);
  });

  it('lists newest first, across currencies, and filters by currency', async () => {
    const id = (await createCustomer(t)).customer_id;
    const plan: Array<[number, string]> = [[101, 'USD'], [201, 'INR'], [102, 'USD'], [202, 'INR'], [103, 'USD']];
    for (const [amount, currency] of plan) await credit(t, id, amount, currency);
    expect((await entriesPage(t, id)).map((e) => e.amount)).toEqual([103, 202, 102, 201, 101]);
    const usd = await entriesPage(t, id, { currency: 'USD' });
    expect(usd.map((e) => e.amount)).toEqual([103, 102, 101]);
    expect(usd.map((e) => e.after_balance)).toEqual([306, 203, 101]);
    expect((await entriesPage(t, id, { currency: 'INR' })).map((e) => e.amount)).toEqual([202, 201]);
    expect(await entriesPage(t, id, { currency: 'INR', page_number: 1, page_size: 2 })).toEqual([]);
  });

  it('pages are ranges of the entry sequence: deterministic, complete, and {items: []} past the end', async () => {
    const id = (await createCustomer(t)).customer_id;
    for (let amount = 1; amount <= 7; amount++) await credit(t, id, amount);
    const page = async (pageNumber: number) => (await entriesPage(t, id, { page_number: pageNumber, page_size: 3 })).map((e) => e.amount);
    expect([await page(0), await page(1), await page(2), await page(3)]).toEqual([[7, 6, 5], [4, 3, 2], [1], []]);
    expect(await page(1)).toEqual([4, 3, 2]); // read twice, same answer

    // Two more writes: every page is still the range (total - (N+1)·size, total - N·size] of the sequence.
    await credit(t, id, 8);
    await credit(t, id, 9);
    expect([await page(0), await page(1), await page(2), await page(3)]).toEqual([[9, 8, 7], [6, 5, 4], [3, 2, 1], []]);
    expect((await entriesPage(t, id)).map((e) => e.amount)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect((await entriesPage(t, id, { page_size: 100 })).length).toBe(9);
  });

  it('has a default page size of 10 and a maximum of 100', async () => {
    const id = (await createCustomer(t)).customer_id;
    for (let amount = 1; amount <= 12; amount++) await credit(t, id, amount);
    expect((await entriesPage(t, id)).map((e) => e.amount)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect((await entriesPage(t, id, { page_number: 1 })).map((e) => e.amount)).toEqual([2, 1]);
    for (const query of ['page_size=101', 'page_size=0', 'page_number=-1', 'currency=usd', 'foo=bar']) {
      const response = await t.request('GET', `/customers/${id}/wallets/ledger-entries?${query}`);
      expect(response.statusCode, query).toBe(422);
      expect(response.json()).toMatchObject({ code: 'INVALID_REQUEST_PARAMETERS', message: expect.stringContaining(query.split('=')[0]) });
    }
  });

  it('refuses a debit beyond the balance with 400 INSUFFICIENT_WALLET_FUNDS and writes nothing', async () => {
    const id = (await createCustomer(t)).customer_id;
    await credit(t, id, 100);
    const before = await allEntries(t, id);
    const wallet = (await listWallets(t, id)).items.find((w) => w.currency === 'USD');

    const response = await postEntry(t, id, { amount: 101, currency: 'USD', entry_type: 'debit', reason: 'too much' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', message: expect.any(String), balance: 100, currency: 'USD' });
    const fromEmpty = await postEntry(t, id, { amount: 1, currency: 'INR', entry_type: 'debit' });
    expect(fromEmpty.statusCode).toBe(400);
    expect(fromEmpty.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', balance: 0, currency: 'INR' });

    expect(await allEntries(t, id)).toEqual(before);
    expect((await listWallets(t, id)).items.find((w) => w.currency === 'USD')).toEqual(wallet);
    expect(await balanceOf(t, id, 'INR')).toBe(0);

    // Exactly the balance is fine and leaves zero.
    expect((await debit(t, id, 100)).balance).toBe(0);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['a float', 10.5],
    ['above 10^15', 1e15 + 1],
    ['a numeric string', '100'],
    ['null', null],
    ['a boolean', true],
    ['too large to be safe', 2 ** 60],
  ])('rejects an amount that is %s with 422 naming amount, writing nothing', async (_label, amount) => {
    const id = (await createCustomer(t)).customer_id;
    const response = await postEntry(t, id, { amount, currency: 'USD', entry_type: 'credit' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'INVALID_REQUEST_BODY', message: expect.stringContaining('amount') });
    expect(await entriesPage(t, id)).toEqual([]);
  });

  it('accepts the largest amount, 10^15', async () => {
    const id = (await createCustomer(t)).customer_id;
    expect((await credit(t, id, 1e15)).balance).toBe(1e15);
  });

  it.each([
    [{ currency: 'USD', entry_type: 'credit' }, 'amount'],
    [{ amount: 1, entry_type: 'credit' }, 'currency'],
    [{ amount: 1, currency: 'USD' }, 'entry_type'],
    [{ amount: 1, currency: 'USD', entry_type: 'refund' }, 'entry_type'],
    [{ amount: 1, currency: 'USD', entry_type: 'credit', reason: 'x'.repeat(3001) }, 'reason'],
    [{ amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: '' }, 'idempotency_key'],
    [{ amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: 'k'.repeat(256) }, 'idempotency_key'],
    [{ amount: 1, currency: 'USD', entry_type: 'credit', event_type: 'payment' }, 'event_type'],
  ])('rejects %j with 422 naming %s', async (body, field) => {
    const id = (await createCustomer(t)).customer_id;
    const response = await postEntry(t, id, body as never);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'INVALID_REQUEST_BODY', message: expect.stringContaining(field) });
    expect(await entriesPage(t, id)).toEqual([]);
  });

  it('keeps a balance at or below Number.MAX_SAFE_INTEGER: 400 WALLET_BALANCE_LIMIT_EXCEEDED beyond it', async () => {
    const id = (await createCustomer(t)).customer_id;
    for (let i = 0; i < 9; i++) await credit(t, id, 1e15);
    const rest = Number.MAX_SAFE_INTEGER - 9e15;
    expect((await credit(t, id, rest)).balance).toBe(Number.MAX_SAFE_INTEGER);

    const over = await postEntry(t, id, { amount: 1, currency: 'USD', entry_type: 'credit', idempotency_key: 'over_1' });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ code: 'WALLET_BALANCE_LIMIT_EXCEEDED', balance: Number.MAX_SAFE_INTEGER, currency: 'USD' });
    expect(await balanceOf(t, id, 'USD')).toBe(Number.MAX_SAFE_INTEGER);
    expect(await allEntries(t, id)).toHaveLength(10);
    expect((await listWallets(t, id)).total_balance_usd).toBe(Number.MAX_SAFE_INTEGER);

    // The refused key was not used up, and a debit brings the balance back into range.
    expect((await debit(t, id, 1)).balance).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect((await credit(t, id, 1, 'USD', { idempotency_key: 'over_1' })).balance).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('answers 404 CUSTOMER_NOT_FOUND for entries of an unknown customer, posting or listing', async () => {
    const posted = await postEntry(t, 'cus_000000000000000000000', { amount: 1, currency: 'USD', entry_type: 'credit' });
    expect(posted.statusCode).toBe(404);
    expect(posted.json().code).toBe('CUSTOMER_NOT_FOUND');
    for (const query of ['', '?currency=USD']) {
      const listed = await t.request('GET', `/customers/cus_000000000000000000000/wallets/ledger-entries${query}`);
      expect(listed.statusCode).toBe(404);
      expect(listed.json().code).toBe('CUSTOMER_NOT_FOUND');
    }
  });

  it('serializes concurrent debits on one wallet: exactly as many succeed as the balance allows', async () => {
    const id = (await createCustomer(t)).customer_id;
    await credit(t, id, 250);
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => postEntry(t, id, { amount: 10, currency: 'USD', entry_type: 'debit' })),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(statuses.filter((s) => s === 400)).toHaveLength(15);
    expect(await balanceOf(t, id, 'USD')).toBe(0);
    expect(await allEntries(t, id)).toHaveLength(26);
  });

  it('every balance equals the sum of its entries after a mixed sequence of operations', async () => {
    const customers = [(await createCustomer(t)).customer_id, (await createCustomer(t)).customer_id];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const requests = Array.from({ length: 120 }, (_, i) => {
      const id = customers[i % 2];
      const currency = random() < 0.5 ? 'USD' : 'INR';
      const entryType = random() < 0.55 ? 'credit' : 'debit';
      const amount = 1 + Math.floor(random() * 1000);
      // Some repeats of earlier keys, which must not apply twice.
      const idempotencyKey = random() < 0.2 ? `mixed_${Math.floor(random() * 10)}` : null;
      return { id, body: { amount, currency, entry_type: entryType, idempotency_key: idempotencyKey } };
    });
    // In waves of concurrent requests, so that batches mix customers, currencies and outcomes.
    for (let start = 0; start < requests.length; start += 20) {
      await Promise.all(requests.slice(start, start + 20).map((r) => postEntry(t, r.id, r.body)));
    }

    const side = await openSideStore(t);
    try {
      for (const id of customers) {
        const entries = await side.db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', id).execute();
        const wallets = await side.db.selectFrom('wallets').selectAll().where('customer_id', '=', id).execute();
        const customerRow = await side.db.selectFrom('customers').select('entry_count').where('id', '=', id).executeTakeFirstOrThrow();
        expect(entries.length).toBeGreaterThan(10);
        expect(Number(customerRow.entry_count)).toBe(entries.length);
        expect(entries.map((e) => Number(e.customer_seq)).sort((a, b) => a - b)).toEqual(entries.map((_, i) => i + 1));
        for (const wallet of wallets) {
          const own = entries.filter((e) => e.currency === wallet.currency).sort((a, b) => Number(a.wallet_seq) - Number(b.wallet_seq));
          const sum = own.reduce((total, e) => total + (e.is_credit ? Number(e.amount) : -Number(e.amount)), 0);
          expect(Number(wallet.balance)).toBe(sum);
          expect(Number(wallet.entry_count)).toBe(own.length);
          checkChain(own);
          expect(await balanceOf(t, id, wallet.currency)).toBe(sum);
        }
        // The API shows the same entries as the database.
        const listed = await allEntries(t, id);
        expect(listed.map((e) => e.id).sort()).toEqual(entries.map((e) => e.id).sort());
        expect(new Set(listed.filter((e) => e.idempotency_key).map((e) => e.idempotency_key)).size).toBe(
          listed.filter((e) => e.idempotency_key).length,
        );
      }
    } finally {
      await side.close();
    }
  });
});

/** Each wallet's entries form one chain: dense wallet_seq from 1, before = previous after, after = before ± amount. */
function checkChain(entries: LedgerEntriesTable[] | WireEntry[]): void {
  let balance = 0;
  entries.forEach((entry, index) => {
    if ('wallet_seq' in entry) expect(Number(entry.wallet_seq)).toBe(index + 1);
    const isCredit = entry.is_credit === true || entry.is_credit === 1;
    expect(Number(entry.before_balance)).toBe(balance);
    balance += isCredit ? Number(entry.amount) : -Number(entry.amount);
    expect(Number(entry.after_balance)).toBe(balance);
    expect(balance).toBeGreaterThanOrEqual(0);
  });
}
