// The events feed (GET /events, GET /events/{id}): every event once, in feed order, paged by `after`, filtered by
// type, scoped to the business, with the very payload its deliveries carry, on both stores.
import { describe, expect, it } from 'vitest';
import { envelopeBody } from '../../src/outbox/event-row.ts';
import { storeKinds } from '../support/stores.ts';
import { useSdkApp } from '../support/sdk.ts';

describe.each(storeKinds)('events feed [%s]', (kind) => {
  const sdk = useSdkApp(kind);

  const readAll = async (query: string, key?: string) => {
    const seen: Array<{ id: string; type: string; data: Record<string, unknown> }> = [];
    let after: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const page: { data: typeof seen; iterator: string | null; done: boolean } = (await sdk.t.request('GET', `/events?limit=7${query}${after ? `&after=${after}` : ''}`, { key })).json();
      seen.push(...page.data);
      after = page.iterator;
      if (page.done) return { seen, last: after };
    }
    throw new Error('the feed did not end');
  };

  it('pages through every event once, in an order that keeps each wallet in wallet_seq order', async () => {
    const customers = await Promise.all(['Feed One', 'Feed Two'].map((name) => sdk.newCustomer(name)));
    const writes = customers.flatMap((customerId) =>
      Array.from({ length: 12 }, (_, index) =>
        sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 10 + index, currency: 'USD', entry_type: 'credit' }),
      ),
    );
    await Promise.all(writes);
    await sdk.t.coffer.dispatcher.drain();
    const { seen, last } = await readAll('');
    expect(new Set(seen.map((event) => event.id)).size).toBe(seen.length);
    for (const customerId of customers) {
      const mine = seen.filter((event) => (event.data as { entry?: { customer_id: string } }).entry?.customer_id === customerId);
      expect(mine.map((event) => (event.data as { wallet_seq: number }).wallet_seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(seen.filter((event) => event.type === 'customer.created' && event.data.customer_id === customerId)).toHaveLength(1);
    }
    // Nothing new: the last iterator answers an empty, done page; a new event then follows it.
    const empty = (await sdk.t.request('GET', `/events?after=${last}`)).json();
    expect(empty).toEqual({ data: [], iterator: last, done: true });
    await sdk.client.customers.wallets.ledgerEntries.create(customers[0], { amount: 1, currency: 'USD', entry_type: 'debit' });
    await sdk.t.coffer.dispatcher.drain();
    const next = (await sdk.t.request('GET', `/events?after=${last}`)).json();
    expect(next.data.map((event: { type: string }) => event.type)).toEqual(['wallet.debited']);
  });

  it('filters by type, and serves each event with the payload its deliveries carry', async () => {
    const customerId = await sdk.newCustomer('Feed Filter');
    await sdk.client.customers.wallets.ledgerEntries.create(customerId, { amount: 300, currency: 'INR', entry_type: 'credit' });
    await sdk.t.coffer.dispatcher.drain();
    const { seen } = await readAll('&types=customer.created,wallet.low_balance');
    expect(new Set(seen.map((event) => event.type))).toEqual(new Set(['customer.created']));
    const row = await sdk.t.coffer.store.db.selectFrom('events').selectAll().where('customer_id', '=', customerId).where('type', '=', 'wallet.credited').executeTakeFirstOrThrow();
    const one = await sdk.t.request('GET', `/events/${row.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ id: row.id, ...JSON.parse(envelopeBody(row)) });
    expect(one.json()).toMatchObject({ business_id: sdk.t.businessId, type: 'wallet.credited', data: { payload_type: 'WalletEntry', wallet: { currency: 'INR', balance: 300 } } });
  });

  it('refuses unknown types, ids and other businesses with a clear 4xx', async () => {
    const other = await sdk.t.addBusiness('Feed Other');
    const anyEvent = (await sdk.t.request('GET', '/events?limit=1')).json().data[0].id;
    const cases: Array<[string, number, string, string?]> = [
      ['/events?types=wallet.exploded', 422, 'INVALID_REQUEST_PARAMETERS'],
      ['/events?limit=0', 422, 'INVALID_REQUEST_PARAMETERS'],
      ['/events?limit=101', 422, 'INVALID_REQUEST_PARAMETERS'],
      ['/events?after=evt_nope', 404, 'EVENT_NOT_FOUND'],
      ['/events/evt_nope', 404, 'EVENT_NOT_FOUND'],
      [`/events/${anyEvent}`, 404, 'EVENT_NOT_FOUND', other.apiKey],
      [`/events?after=${anyEvent}`, 404, 'EVENT_NOT_FOUND', other.apiKey],
    ];
    for (const [url, status, code, key] of cases) {
      const response = await sdk.t.request('GET', url, { key });
      expect(response.statusCode, url).toBe(status);
      expect(response.json().code, url).toBe(code);
    }
    expect((await sdk.t.request('GET', '/events', { key: other.apiKey })).json()).toEqual({ data: [], iterator: null, done: true });
  });
});
