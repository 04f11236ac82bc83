// Balance expiration over HTTP on both stores, with a clock the test moves: lots, the consumption order, expiry exact
// at the instant without any job, reads that never show expired money, the expiry jobs and their events, refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { allEntries, createCustomer, listWallets, mustPost, postEntry } from '../support/fixtures.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const start = new Date('2027-03-01T12:00:00.000Z');
const day = 86_400_000;
const at = (ms: number) => new Date(start.getTime() + ms).toISOString();

describe.each(storeKinds)('balance expiration [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(start);
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  const usd = async (customerId: string) => (await listWallets(t, customerId)).items.find((w) => w.currency === "USD") as unknown as Record<string, unknown>;
  const lots = async (customerId: string, query = '') => {
    const response = await t.request('GET', `/customers/${customerId}/wallets/lots${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items as Array<Record<string, unknown>>;
  };
  const draws = async (customerId: string, entryId: string) => {
    const response = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries/${entryId}/lot-draws`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items as Array<{ lot_id: string; amount: number; category: string; expires_at: string | null }>;
  };

  it('spends soonest expiry first, promotional before paid at equal expiry, oldest first, non-expiring last', async () => {
    clock.set(start);
    const id = (await createCustomer(t)).customer_id;
    await mustPost(t, id, { amount: 1000, currency: 'USD', entry_type: 'credit' });
    await mustPost(t, id, { amount: 300, currency: 'USD', entry_type: 'credit', expires_at: at(20 * day) });
    await mustPost(t, id, { amount: 200, currency: 'USD', entry_type: 'credit', expires_at: at(10 * day), category: 'promotional' });
    await mustPost(t, id, { amount: 100, currency: 'USD', entry_type: 'credit', expires_at: at(10 * day) });
    await mustPost(t, id, { amount: 50, currency: 'USD', entry_type: 'credit', category: 'promotional' });
    expect(await usd(id)).toMatchObject({ balance: 1650, expiring_amount: 600, next_expiry_at: at(10 * day) });
    await mustPost(t, id, { amount: 700, currency: 'USD', entry_type: 'debit' });
    const [debitEntry] = await allEntries(t, id, 'USD');
    const taken = await draws(id, debitEntry.id);
    expect(taken.map((d) => [d.amount, d.category, d.expires_at])).toEqual([
      [200, 'promotional', at(10 * day)],
      [100, 'paid', at(10 * day)],
      [300, 'paid', at(20 * day)],
      [50, 'promotional', null],
      [50, 'paid', null],
    ]);
    const listed = await lots(id, '?currency=USD');
    expect(listed).toHaveLength(5);
    // In the consumption index's order: active lots as they will be spent, then spent ones.
    expect(listed.map((l) => l.status)).toEqual(['active', 'spent', 'spent', 'spent', 'spent']);
    expect(listed[0]).toMatchObject({ amount: 1000, remaining_amount: 950, category: 'paid', expires_at: null, status: 'active' });
    expect(listed.slice(1).map((l) => l.amount)).toEqual([200, 100, 300, 50]);
    expect(await usd(id)).toMatchObject({ balance: 950, expiring_amount: 0, next_expiry_at: null });
  });

  it('a debit one millisecond after expires_at cannot use the lot, with no job run; reads leave it out before any write', async () => {
    clock.set(start);
    const id = (await createCustomer(t)).customer_id;
    await mustPost(t, id, { amount: 500, currency: 'USD', entry_type: 'credit' });
    await mustPost(t, id, { amount: 1000, currency: 'USD', entry_type: 'credit', expires_at: at(30 * day), category: 'promotional', idempotency_key: `bonus-${id}` });
    clock.set(new Date(at(30 * day - 1)));
    expect(await usd(id)).toMatchObject({ balance: 1500, expiring_amount: 1000 });
    clock.set(new Date(at(30 * day + 1)));
    // No write since it expired: the read already leaves it out.
    expect(await usd(id)).toMatchObject({ balance: 500, expiring_amount: 0, next_expiry_at: null });
    expect((await lots(id, '?status=expired')).map((l) => [l.amount, l.remaining_amount, l.expired_amount])).toEqual([[1000, 0, 1000]]);
    const refused = await postEntry(t, id, { amount: 501, currency: 'USD', entry_type: 'debit' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', balance: 500 });
    const entries = await allEntries(t, id, 'USD');
    const expiration = entries.filter((e) => e.event_type === 'expiration');
    expect(expiration).toHaveLength(1);
    const [lot] = await lots(id, '?status=expired');
    expect(expiration[0]).toMatchObject({ amount: 1000, is_credit: false, reference_object_id: lot.lot_id, before_balance: 1500, after_balance: 500 });
    expect(await draws(id, expiration[0].id)).toEqual([{ lot_id: lot.lot_id, amount: 1000, category: 'promotional', expires_at: at(30 * day) }]);
    // A second write, and the job, find it already recorded.
    await mustPost(t, id, { amount: 500, currency: 'USD', entry_type: 'debit' });
    clock.advance(day);
    await t.coffer.jobs.tick();
    expect((await allEntries(t, id, 'USD')).filter((e) => e.event_type === 'expiration')).toHaveLength(1);
  });

  it('the expiry job records the expiration of a wallet nobody writes to; the notice fires once, before', async () => {
    clock.set(start);
    const id = (await createCustomer(t)).customer_id;
    await mustPost(t, id, { amount: 1000, currency: 'USD', entry_type: 'credit', expires_at: at(30 * day), category: 'promotional' });
    await t.coffer.jobs.tick();
    const eventsOf = async (type: string) => {
      await t.coffer.dispatcher.drain();
      const rows = await t.coffer.store.db.selectFrom('events').select('data').where('customer_id', '=', id).where('type', '=', type).execute();
      return rows.map((row) => JSON.parse(row.data));
    };
    expect(await eventsOf('wallet.credits_expiring')).toEqual([]);
    clock.set(new Date(at(23 * day)));
    await t.coffer.jobs.tick();
    await t.coffer.jobs.tick();
    const [lot] = await lots(id);
    expect(await eventsOf('wallet.credits_expiring')).toEqual([
      { payload_type: 'WalletCreditsExpiring', customer_id: id, currency: 'USD', lot_id: lot.lot_id, category: 'promotional', expires_at: at(30 * day), amount: 1000 },
    ]);
    clock.set(new Date(at(30 * day)));
    await t.coffer.jobs.tick();
    const entries = await allEntries(t, id, 'USD');
    expect(entries.map((e) => e.event_type)).toEqual(['expiration', 'merchant_adjustment']);
    const expired = await eventsOf('wallet.credits_expired');
    expect(expired).toEqual([
      {
        payload_type: 'WalletCreditsExpired', customer_id: id, currency: 'USD', lot_id: lot.lot_id, category: 'promotional', expires_at: at(30 * day),
        amount: 1000, entry_id: entries[0].id, wallet_seq: 2, balance: 0,
      },
    ]);
    await t.coffer.jobs.tick();
    expect(await eventsOf('wallet.credits_expiring')).toHaveLength(1);
  });

  it('refuses expires_at in the past, now, beyond the horizon, or on a debit, with a clear 400, and writes nothing', async () => {
    clock.set(start);
    const id = (await createCustomer(t)).customer_id;
    const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
      [{ entry_type: 'credit', expires_at: at(-1) }, 400, 'INVALID_EXPIRES_AT', /future/],
      [{ entry_type: 'credit', expires_at: at(0) }, 400, 'INVALID_EXPIRES_AT', /future/],
      [{ entry_type: 'credit', expires_at: at(1827 * day) }, 400, 'INVALID_EXPIRES_AT', /1826 days/],
      [{ entry_type: 'debit', expires_at: at(day) }, 400, 'LOT_FIELDS_ON_DEBIT', /credits only/],
      [{ entry_type: 'debit', category: 'paid' }, 400, 'LOT_FIELDS_ON_DEBIT', /credits only/],
      [{ entry_type: 'credit', expires_at: 'tomorrow' }, 422, 'INVALID_REQUEST_BODY', /expires_at/],
      [{ entry_type: 'credit', category: 'gift' }, 422, 'INVALID_REQUEST_BODY', /category/],
    ];
    for (const [body, status, code, message] of cases) {
      const response = await postEntry(t, id, { amount: 10, currency: 'USD', ...body } as never);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().code).toBe(code);
      expect(response.json().message).toMatch(message);
    }
    expect(await allEntries(t, id)).toEqual([]);
    expect(await lots(id)).toEqual([]);
    // Offsets are accepted and stored as UTC.
    await mustPost(t, id, { amount: 10, currency: 'USD', entry_type: 'credit', expires_at: '2027-03-02T17:30:00+05:30' });
    expect((await lots(id))[0]).toMatchObject({ expires_at: '2027-03-02T12:00:00.000Z' });
  });

  it('an idempotency key covers expires_at and category: the same request replays, another is a conflict', async () => {
    clock.set(start);
    const id = (await createCustomer(t)).customer_id;
    const body = { amount: 10, currency: 'USD', entry_type: 'credit', expires_at: at(day), category: 'promotional', idempotency_key: `k-${id}` };
    await mustPost(t, id, body);
    expect((await postEntry(t, id, body)).json().code).toBe('IDEMPOTENCY_KEY_ALREADY_USED');
    expect((await postEntry(t, id, { ...body, expires_at: at(2 * day) })).json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    expect((await postEntry(t, id, { ...body, category: 'paid' })).json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    expect(await lots(id)).toHaveLength(1);
  });

  it('lists lots by status and pages, and answers 404 for an unknown customer or entry', async () => {
    clock.set(start);
    const id = (await createCustomer(t)).customer_id;
    for (let i = 1; i <= 5; i++) await mustPost(t, id, { amount: i, currency: 'USD', entry_type: 'credit', expires_at: at(i * day) });
    const page0 = await lots(id, '?page_size=2');
    const page2 = await lots(id, '?page_size=2&page_number=2');
    expect(page0.map((l) => l.amount)).toEqual([1, 2]);
    expect(page2.map((l) => l.amount)).toEqual([5]);
    clock.set(new Date(at(2 * day)));
    expect((await lots(id, '?status=expired')).map((l) => l.amount)).toEqual([1, 2]);
    expect((await lots(id, '?status=active')).map((l) => l.amount)).toEqual([3, 4, 5]);
    expect((await lots(id, '?status=spent'))).toEqual([]);
    expect((await t.request('GET', '/customers/cus_missing/wallets/lots')).json().code).toBe('CUSTOMER_NOT_FOUND');
    expect((await t.request('GET', `/customers/${id}/wallets/ledger-entries/cwt_missing/lot-draws`)).json().code).toBe('LEDGER_ENTRY_NOT_FOUND');
    expect((await t.request('GET', `/customers/${id}/wallets/lots?status=gone`)).statusCode).toBe(422);
    const other = await t.addBusiness('Other lots');
    expect((await t.request('GET', `/customers/${id}/wallets/lots`, { key: other.apiKey })).statusCode).toBe(404);
  });
});
