// Customers over HTTP on both stores: create (with its zero wallets), retrieve, patch, and list with pages and filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WireCustomer, createCustomer, listWallets, sleep } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, type TestBusiness, startTestApp } from './support/test-app.ts';

const customerIdPattern = /^cus_[0-9A-Za-z]{21}$/;

describe.each(storeKinds)('customers [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  describe('create and retrieve', () => {
    it('creates a customer with a Dodo-shaped id and echoes every field', async () => {
      const response = await t.request('POST', '/customers', {
        body: { email: 'ada@example.com', name: 'Ada Lovelace', phone_number: '+44 20 7946 0000', metadata: { plan: 'pro', seats: 3, vip: true } },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const customer = response.json();
      expect(customer.customer_id).toMatch(customerIdPattern);
      expect(customer).toEqual({
        business_id: t.businessId,
        created_at: expect.any(String),
        customer_id: customer.customer_id,
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        phone_number: '+44 20 7946 0000',
        metadata: { plan: 'pro', seats: 3, vip: true },
      });
      expect(new Date(customer.created_at).toISOString()).toBe(customer.created_at);
    });

    it('defaults phone_number to null and metadata to {}, and gives every customer a distinct id', async () => {
      const a = await createCustomer(t, { email: 'x@example.com', name: 'X' });
      const b = await createCustomer(t, { email: 'x@example.com', name: 'X' });
      expect(a.phone_number).toBeNull();
      expect(a.metadata).toEqual({});
      expect(a.customer_id).not.toBe(b.customer_id);
      expect(b.customer_id).toMatch(customerIdPattern);
    });

    it('creates USD and INR wallets at zero together with the customer', async () => {
      const customer = await createCustomer(t);
      const wallets = await listWallets(t, customer.customer_id);
      expect(wallets.total_balance_usd).toBe(0);
      expect(wallets.items.map((w) => w.currency).sort()).toEqual(['INR', 'USD']);
      for (const wallet of wallets.items) {
        expect(wallet).toEqual({
          balance: 0,
          created_at: customer.created_at,
          currency: wallet.currency,
          customer_id: customer.customer_id,
          updated_at: customer.created_at,
          // Expiry extensions (docs/expiry.md): nothing expires in a new wallet.
          expiring_amount: 0,
          next_expiry_at: null,
          // Hold extensions (docs/wallets.md#holds): nothing is held in a new wallet.
          held_amount: 0,
          available_balance: 0,
        });
      }
    });

    it('retrieves a customer exactly as created', async () => {
      const created = await createCustomer(t, { metadata: { source: 'import' } });
      const response = await t.request('GET', `/customers/${created.customer_id}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(created);
    });

    it('answers 404 CUSTOMER_NOT_FOUND for an unknown id', async () => {
      const response = await t.request('GET', '/customers/cus_000000000000000000000');
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ code: 'CUSTOMER_NOT_FOUND', message: 'Customer cus_000000000000000000000 not found' });
    });

    it.each([
      [{ name: 'No email' }, 'email'],
      [{ email: 'no-name@example.com' }, 'name'],
      [{ email: 'not-an-email', name: 'N' }, 'email'],
      [{ email: 'a@example.com', name: '' }, 'name'],
      [{ email: 'a@example.com', name: 'N', phone_number: 'call me' }, 'phone_number'],
      [{ email: 'a@example.com', name: 'N', metadata: { nested: { a: 1 } } }, 'metadata'],
      [{ email: 'a@example.com', name: 'N', extra: 1 }, 'extra'],
    ])('rejects an invalid body %j with 422 naming %s', async (body, field) => {
      const response = await t.request('POST', '/customers', { body });
      expect(response.statusCode).toBe(422);
      expect(response.json().code).toBe('INVALID_REQUEST_BODY');
      expect(response.json().message).toContain(field);
    });
  });

  describe('patch', () => {
    let customer: WireCustomer;
    beforeAll(async () => {
      customer = await createCustomer(t, {
        email: 'patch@example.com',
        name: 'Patch Me',
        phone_number: '+1 555 0100',
        metadata: { tier: 'gold' },
      });
    });

    const patch = (body: unknown) => t.request('PATCH', `/customers/${customer.customer_id}`, { body });
    const retrieve = async () => (await t.request('GET', `/customers/${customer.customer_id}`)).json();

    it('changes the fields given and keeps the others, durably', async () => {
      const response = await patch({ name: 'Patched' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ ...customer, name: 'Patched' });
      expect(await retrieve()).toEqual({ ...customer, name: 'Patched' });
      customer = await retrieve();
    });

    it('an empty body changes nothing', async () => {
      const response = await patch({});
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(customer);
    });

    it('null email or name leaves them as they are', async () => {
      const response = await patch({ email: null, name: null });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(customer);
      expect(await retrieve()).toEqual(customer);
    });

    it('metadata replaces the whole object; null clears it to {}', async () => {
      expect((await patch({ metadata: { region: 'eu' } })).json().metadata).toEqual({ region: 'eu' });
      expect((await retrieve()).metadata).toEqual({ region: 'eu' });
      expect((await patch({ metadata: null })).json().metadata).toEqual({});
      expect((await retrieve()).metadata).toEqual({});
    });

    it('null phone_number clears it', async () => {
      expect((await retrieve()).phone_number).toBe('+1 555 0100');
      expect((await patch({ phone_number: null })).json().phone_number).toBeNull();
      expect((await retrieve()).phone_number).toBeNull();
    });

    it('updates the email', async () => {
      expect((await patch({ email: 'new@example.com' })).json().email).toBe('new@example.com');
      expect((await retrieve()).email).toBe('new@example.com');
    });

    it('rejects unknown fields and invalid values with 422, changing nothing', async () => {
      const before = await retrieve();
      const unknown = await patch({ nickname: 'x' });
      expect(unknown.statusCode).toBe(422);
      expect(unknown.json()).toMatchObject({ code: 'INVALID_REQUEST_BODY', message: expect.stringContaining('nickname') });
      const invalid = await patch({ email: 'nope', name: 'Changed' });
      expect(invalid.statusCode).toBe(422);
      expect(invalid.json().message).toContain('email');
      expect(await retrieve()).toEqual(before);
    });

    it('answers 404 for an unknown customer', async () => {
      const response = await t.request('PATCH', '/customers/cus_unknown', { body: { name: 'x' } });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('CUSTOMER_NOT_FOUND');
    });
  });

  describe('list', () => {
    // A business of its own, so that the customers of other tests do not show up.
    let business: TestBusiness;
    const created: WireCustomer[] = []; // oldest first
    const names = ['Alice Smith', 'Malik Ali', 'Bob Stone', '100% Pure', '100 Pure', 'a_b', 'axb', 'back\\slash', 'Émile Zola', 'ALIBABA', 'Carol', 'Dave'];

    beforeAll(async () => {
      business = await t.addBusiness('List business');
      for (const [index, name] of names.entries()) {
        const email = index === 0 ? 'Alice.Smith@Example.COM' : `user${index}@example.com`;
        created.push(await createCustomer(t, { email, name }, business.apiKey));
        await sleep(3); // distinct created_at, so the date filters can split the list
      }
    });

    const list = async (query: string) => {
      const response = await t.request('GET', `/customers${query}`, { key: business.apiKey });
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as WireCustomer[]).map((c) => c.name);
    };
    const newestFirst = () => [...names].reverse();

    it('lists newest first, 10 per page by default, with 0-based page numbers and {items: []} past the end', async () => {
      expect(await list('')).toEqual(newestFirst().slice(0, 10));
      expect(await list('?page_number=1')).toEqual(newestFirst().slice(10));
      const past = await t.request('GET', '/customers?page_number=2', { key: business.apiKey });
      expect(past.json()).toEqual({ items: [] });
    });

    it('pages of any size cover every customer exactly once', async () => {
      const seen: string[] = [];
      for (let page = 0; page < 10; page++) {
        const items = await list(`?page_size=5&page_number=${page}`);
        if (items.length === 0) break;
        expect(items.length).toBeLessThanOrEqual(5);
        seen.push(...items);
      }
      expect(seen).toEqual(newestFirst());
      expect(await list('?page_size=100')).toEqual(newestFirst());
    });

    it.each(['page_size=101', 'page_size=0', 'page_size=-1', 'page_number=-1', 'page_size=abc', 'page_number=1.5'])(
      'rejects %s with 422 INVALID_REQUEST_PARAMETERS',
      async (query) => {
        const response = await t.request('GET', `/customers?${query}`, { key: business.apiKey });
        expect(response.statusCode).toBe(422);
        expect(response.json()).toMatchObject({ code: 'INVALID_REQUEST_PARAMETERS', message: expect.stringContaining(query.split('=')[0]) });
      },
    );

    it('filters by exact email, case-insensitively', async () => {
      expect(await list('?email=alice.smith@example.com')).toEqual(['Alice Smith']);
      expect(await list('?email=ALICE.SMITH@EXAMPLE.COM')).toEqual(['Alice Smith']);
      expect(await list('?email=alice.smith@example')).toEqual([]);
      expect(await list('?email=alice')).toEqual([]);
    });

    it('filters by partial name, case-insensitively', async () => {
      expect(await list('?name=ali')).toEqual(['ALIBABA', 'Malik Ali', 'Alice Smith']);
      expect(await list('?name=STONE')).toEqual(['Bob Stone']);
      expect(await list('?name=nobody')).toEqual([]);
    });

    it('matches non-ASCII letters case-insensitively too', async () => {
      expect(await list(`?name=${encodeURIComponent('émile')}`)).toEqual(['Émile Zola']);
      expect(await list(`?name=${encodeURIComponent('ÉMILE')}`)).toEqual(['Émile Zola']);
    });

    it('treats % and _ (and backslash) in the name filter literally', async () => {
      expect(await list('?name=%25')).toEqual(['100% Pure']);
      expect(await list('?name=0%25%20P')).toEqual(['100% Pure']);
      expect(await list('?name=_')).toEqual(['a_b']);
      expect(await list('?name=a_')).toEqual(['a_b']);
      expect(await list(`?name=${encodeURIComponent('\\')}`)).toEqual(['back\\slash']);
    });

    it('filters by created_at_gte and created_at_lte, both inclusive', async () => {
      const third = created[2].created_at;
      const fifth = created[4].created_at;
      expect(await list(`?page_size=100&created_at_gte=${third}`)).toEqual(newestFirst().slice(0, names.length - 2));
      expect(await list(`?created_at_lte=${third}`)).toEqual(['Bob Stone', 'Malik Ali', 'Alice Smith']);
      expect(await list(`?created_at_gte=${third}&created_at_lte=${fifth}`)).toEqual(['100 Pure', '100% Pure', 'Bob Stone']);
      expect(await list(`?created_at_gte=${fifth}&created_at_lte=${third}`)).toEqual([]);
    });

    it('reads created_at filters with any UTC offset as the same instant', async () => {
      const third = new Date(created[2].created_at);
      const shifted = new Date(third.getTime() + 5.5 * 3600_000).toISOString().replace('Z', '+05:30');
      expect(await list(`?created_at_lte=${encodeURIComponent(shifted)}`)).toEqual(['Bob Stone', 'Malik Ali', 'Alice Smith']);
    });

    it('combines filters with pages', async () => {
      expect(await list('?name=ali&page_size=2')).toEqual(['ALIBABA', 'Malik Ali']);
      expect(await list('?name=ali&page_size=2&page_number=1')).toEqual(['Alice Smith']);
      expect(await list('?name=ali&page_size=2&page_number=2')).toEqual([]);
    });

    it.each(['created_at_gte=yesterday', 'created_at_lte=2024-01-01', 'unknown=1'])('rejects %s with 422', async (query) => {
      const response = await t.request('GET', `/customers?${query}`, { key: business.apiKey });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'INVALID_REQUEST_PARAMETERS', message: expect.stringContaining(query.split('=')[0]) });
    });

    it("lists only the calling business's customers", async () => {
      const mine = await list('?page_size=100');
      expect(mine).toHaveLength(names.length);
      const main = await t.request('GET', '/customers?page_size=100');
      const ids = new Set((main.json().items as WireCustomer[]).map((c) => c.customer_id));
      for (const customer of created) expect(ids.has(customer.customer_id)).toBe(false);
    });
  });
});
