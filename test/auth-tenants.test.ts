// API keys and tenants on both stores: 401 for missing, malformed, unknown or revoked keys, 403 for read-only writes,
// and another business's customer answered exactly like an unknown one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/businesses/business-service.ts';
import { systemClock } from '../src/shared/clock.ts';
import { allEntries, balanceOf, createCustomer, credit, openSideStore } from './support/fixtures.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, type TestBusiness, startTestApp } from './support/test-app.ts';

const unknownId = 'cus_000000000000000000000';
const creditBody = { amount: 10, currency: 'USD', entry_type: 'credit' };

/** Every customer and wallet route, with a body where it takes one. */
function customerRoutes(id: string): Array<{ method: string; url: string; body?: object; write: boolean }> {
  return [
    { method: 'GET', url: `/customers/${id}`, write: false },
    { method: 'PATCH', url: `/customers/${id}`, body: { name: 'Hijacked' }, write: true },
    { method: 'GET', url: `/customers/${id}/wallets`, write: false },
    { method: 'POST', url: `/customers/${id}/wallets/ledger-entries`, body: creditBody, write: true },
    { method: 'GET', url: `/customers/${id}/wallets/ledger-entries`, write: false },
    { method: 'GET', url: `/customers/${id}/wallets/ledger-entries?currency=USD&page_size=5`, write: false },
  ];
}

describe.each(storeKinds)('auth and tenants [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    // No key cache, so that a revocation takes effect on the next request.
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' });
  });
  afterAll(async () => t?.close());

  describe('401 UNAUTHORIZED', () => {
    const everyRoute = () => [
      { method: 'POST', url: '/customers', body: { email: 'a@example.com', name: 'A' } },
      { method: 'GET', url: '/customers' },
      ...customerRoutes(unknownId),
    ];

    it.each([
      ['missing', null, 'Missing API key'],
      ['empty bearer', 'Bearer ', 'Malformed'],
      ['wrong scheme', 'Basic dXNlcjpwYXNz', 'Malformed'],
      ['no scheme', 'ck_rw_abcdefghijklmnopqrstuvwxyz012345', 'Malformed'],
      ['two tokens', 'Bearer one two', 'Malformed'],
      ['unknown', 'Bearer ck_rw_unknownunknownunknownunknown00', 'Invalid or revoked'],
    ])('answers a %s key with 401 on every API route', async (_label, header, messagePart) => {
      for (const route of everyRoute()) {
        const response = await t.request(route.method, route.url, {
          body: route.body,
          key: null,
          headers: header === null ? {} : { authorization: header },
        });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining(messagePart) });
      }
    });

    it('accepts the Bearer scheme in any letter case (RFC 9110 §11.1)', async () => {
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        const response = await t.request('GET', '/customers', { key: null, headers: { authorization: `${scheme} ${t.apiKey}` } });
        expect(response.statusCode, scheme).toBe(200);
      }
    });

    it('checks the key before reading the body: a bad key with invalid JSON is 401', async () => {
      const response = await t.request('POST', '/customers', {
        body: '{not json',
        key: 'nope',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(401);
    });

    it('answers a revoked key with 401 from the next request on', async () => {
      const side = await openSideStore(t);
      try {
        const key = await createApiKey(side.db, systemClock, { businessId: t.businessId, access: 'read_write' });
        expect((await t.request('GET', '/customers', { key: key.secret })).statusCode).toBe(200);
        expect(await revokeApiKey(side.db, systemClock, key.id)).toBe(true);
        const response = await t.request('GET', '/customers', { key: key.secret });
        expect(response.statusCode).toBe(401);
        expect(response.json()).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid or revoked API key' });
        // Other keys of the business keep working.
        expect((await t.request('GET', '/customers')).statusCode).toBe(200);
        expect(await revokeApiKey(side.db, systemClock, key.id)).toBe(false);
      } finally {
        await side.close();
      }
    });

    it('leaves /healthz and /openapi.json public', async () => {
      expect((await t.request('GET', '/healthz', { key: null })).statusCode).toBe(200);
      expect((await t.request('GET', '/openapi.json', { key: null })).statusCode).toBe(200);
    });
  });

  describe('403 FORBIDDEN for writes with a read-only key', () => {
    it('refuses every write and writes nothing', async () => {
      const customer = await createCustomer(t, { name: 'Read Only Target' });
      await credit(t, customer.customer_id, 100);
      const writes = [
        { method: 'POST', url: '/customers', body: { email: 'ro@example.com', name: 'RO' } },
        ...customerRoutes(customer.customer_id).filter((r) => r.write),
      ];
      for (const route of writes) {
        const response = await t.request(route.method, route.url, { body: route.body, key: t.readOnlyKey });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
        expect(response.json()).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('read-only') });
      }
      expect((await t.request('GET', `/customers/${customer.customer_id}`)).json().name).toBe('Read Only Target');
      expect(await balanceOf(t, customer.customer_id, 'USD')).toBe(100);
      expect(await allEntries(t, customer.customer_id)).toHaveLength(1);
      const listed = (await t.request('GET', '/customers?email=ro@example.com')).json();
      expect(listed).toEqual({ items: [] });
    });

    it('allows every read', async () => {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 100);
      const reads = [{ method: 'GET', url: '/customers' }, ...customerRoutes(customer.customer_id).filter((r) => !r.write)];
      for (const route of reads) {
        const withReadOnly = await t.request(route.method, route.url, { key: t.readOnlyKey });
        const withReadWrite = await t.request(route.method, route.url);
        expect(withReadOnly.statusCode, `${route.method} ${route.url}`).toBe(200);
        expect(withReadOnly.json()).toEqual(withReadWrite.json());
      }
    });
  });

  describe('tenant isolation', () => {
    let other: TestBusiness;
    let theirs: string;
    beforeAll(async () => {
      other = await t.addBusiness('Other tenant');
      theirs = (await createCustomer(t, { name: 'Their customer', email: 'theirs@example.com' }, other.apiKey)).customer_id;
      await t.request('POST', `/customers/${theirs}/wallets/ledger-entries`, {
        body: { ...creditBody, amount: 777, idempotency_key: 'theirs_1' },
        key: other.apiKey,
      });
    });

    it("answers another business's customer exactly like an unknown id, on every customer and wallet route", async () => {
      const unknownRoutes = customerRoutes(unknownId);
      const theirRoutes = customerRoutes(theirs);
      for (const [index, route] of theirRoutes.entries()) {
        for (const key of [t.apiKey, t.readOnlyKey]) {
          const theirResponse = await t.request(route.method, route.url, { body: route.body, key });
          const unknownResponse = await t.request(unknownRoutes[index].method, unknownRoutes[index].url, { body: route.body, key });
          if (route.write && key === t.readOnlyKey) {
            expect(theirResponse.statusCode).toBe(403);
            continue;
          }
          expect(theirResponse.statusCode, `${route.method} ${route.url}`).toBe(404);
          expect(theirResponse.json()).toEqual({ code: 'CUSTOMER_NOT_FOUND', message: `Customer ${theirs} not found` });
          expect(unknownResponse.statusCode).toBe(404);
          expect(unknownResponse.json()).toEqual({ code: 'CUSTOMER_NOT_FOUND', message: `Customer ${unknownId} not found` });
          expect(Object.keys(theirResponse.headers).sort()).toEqual(Object.keys(unknownResponse.headers).sort());
        }
      }
    });

    it("leaves the other business's customer untouched", async () => {
      const response = await t.request('GET', `/customers/${theirs}`, { key: other.apiKey });
      expect(response.json()).toMatchObject({ name: 'Their customer', business_id: other.businessId });
      const wallets = (await t.request('GET', `/customers/${theirs}/wallets`, { key: other.apiKey })).json();
      expect(wallets.items.find((w: { currency: string }) => w.currency === 'USD').balance).toBe(777);
      const entries = (await t.request('GET', `/customers/${theirs}/wallets/ledger-entries`, { key: other.apiKey })).json();
      expect(entries.items).toHaveLength(1);
    });

    it("never lists or filters into another business's customers", async () => {
      for (const query of ['?page_size=100', '?email=theirs@example.com', '?name=their']) {
        const response = await t.request('GET', `/customers${query}`);
        expect(response.statusCode).toBe(200);
        expect((response.json().items as Array<{ customer_id: string }>).some((c) => c.customer_id === theirs)).toBe(false);
      }
      const own = await t.request('GET', '/customers?email=theirs@example.com', { key: other.apiKey });
      expect(own.json().items.map((c: { customer_id: string }) => c.customer_id)).toEqual([theirs]);
    });

    it("does not see another business's idempotency keys", async () => {
      const mine = (await createCustomer(t)).customer_id;
      const response = await t.request('POST', `/customers/${mine}/wallets/ledger-entries`, {
        body: { ...creditBody, amount: 777, idempotency_key: 'theirs_1' },
      });
      expect(response.statusCode).toBe(200);
      expect(JSON.stringify(response.json())).not.toContain(theirs);
    });
  });
});
