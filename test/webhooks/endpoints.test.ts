// Creating and listing webhook endpoints over HTTP on both stores: validation with named problems, the SSRF rule with
// and without COFFER_WEBHOOK_ALLOW_PRIVATE_URLS, client idempotency keys, the per-business limit, cursor pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer } from '../support/fixtures.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, type TestBusiness, startTestApp } from '../support/test-app.ts';

const url = 'https://example.com/hooks';

describe.each(storeKinds)('webhook endpoint creation [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  const create = (body: unknown, key?: string) => t.request('POST', '/webhooks', { body, key });
  const refused = async (body: unknown, status: number, code: string, named?: string) => {
    const response = await create(body);
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().code).toBe(code);
    if (named !== undefined) expect(response.json().message).toContain(named);
    return response.json().message as string;
  };

  describe('validation', () => {
    it.each([
      [{}, 'url'],
      [{ url, extra: 1 }, '"extra"'],
      [{ url: 42 }, 'url'],
      [{ url: 'https://example.com/\u0009tab' }, 'url'],
      [{ url: `https://example.com/${'p'.repeat(2048)}` }, 'url'],
      [{ url, description: 'd'.repeat(501) }, 'description'],
      [{ url, description: 'nul\u0000' }, 'description'],
      [{ url, disabled: 'yes' }, 'disabled'],
      [{ url, rate_limit: 0 }, 'rate_limit'],
      [{ url, rate_limit: 10_001 }, 'rate_limit'],
      [{ url, rate_limit: 1.5 }, 'rate_limit'],
      [{ url, rate_limit: '5' }, 'rate_limit'],
      [{ url, metadata: { n: 1 } }, 'metadata'],
      [{ url, metadata: { ['k'.repeat(41)]: 'v' } }, 'metadata'],
      [{ url, metadata: { k: 'v'.repeat(501) } }, 'metadata'],
      [{ url, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ url, filter_types: 'wallet.credited' }, 'filter_types'],
      [{ url, filter_types: ['wallet.credited', 'wallet.credited'] }, 'filter_types'],
      [{ url, headers: { 'X Bad': 'v' } }, 'headers'],
      [{ url, headers: { 'X-Ok': 'line\r\nInjected: 1' } }, 'headers'],
      [{ url, headers: { 'X-Ok': ' padded ' } }, 'headers'],
      [{ url, headers: { 'X-Ok': 'caf\u00e9' } }, 'headers'],
      [{ url, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])) }, 'headers'],
      [{ url, idempotency_key: '' }, 'idempotency_key'],
    ])('refuses %j with 422 INVALID_REQUEST_BODY naming %s', async (body, named) => {
      await refused(body, 422, 'INVALID_REQUEST_BODY', named);
    });

    it.each([
      ['not a url', 'absolute'],
      ['ftp://example.com/hooks', 'ftp'],
      ['https://user:secret@example.com/hooks', 'credentials'],
      [' https://example.com/hooks', 'whitespace'],
      ['http://127.0.0.1:8080/hooks', '127.0.0.1'],
      ['http://[::1]/hooks', '::1'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
      ['http://10.1.2.3/hooks', '10.1.2.3'],
      ['http://192.168.0.10/hooks', '192.168.0.10'],
      ['http://[::ffff:127.0.0.1]/hooks', 'loopback'],
      ['http://localhost:3000/hooks', 'localhost'],
      ['http://api.localhost/hooks', 'localhost'],
    ])('refuses the url %s with 422 WEBHOOK_URL_INVALID naming the problem (%s)', async (text, named) => {
      await refused({ url: text }, 422, 'WEBHOOK_URL_INVALID', named);
    });

    it('refuses an event Coffer does not emit, naming it and the known ones', async () => {
      const message = await refused({ url, filter_types: ['wallet.credited', 'subscription.past_due'] }, 422, 'WEBHOOK_EVENT_TYPE_UNKNOWN', '"subscription.past_due"');
      expect(message).toContain('wallet.low_balance');
    });

    it.each(['webhook-id', 'Webhook-Signature', 'WEBHOOK-TIMESTAMP', 'Content-Type', 'content-length', 'Host', 'User-Agent', 'Connection', 'Transfer-Encoding'])(
      'refuses the reserved header %s with 422 WEBHOOK_HEADER_NOT_ALLOWED',
      async (name) => {
        await refused({ url, headers: { [name]: 'x' } }, 422, 'WEBHOOK_HEADER_NOT_ALLOWED', name);
      },
    );

    it('refuses one header named twice in different cases', async () => {
      await refused({ url, headers: { 'X-Team': 'a', 'x-team': 'b' } }, 422, 'WEBHOOK_HEADER_NOT_ALLOWED', 'case-insensitive');
    });

    it('writes nothing for a refused request', async () => {
      const before = await t.coffer.store.db.selectFrom('webhook_endpoints').select('id').where('business_id', '=', t.businessId).execute();
      await refused({ url: 'http://127.0.0.1/', idempotency_key: 'refused-key' }, 422, 'WEBHOOK_URL_INVALID');
      const after = await t.coffer.store.db.selectFrom('webhook_endpoints').select('id').where('business_id', '=', t.businessId).execute();
      expect(after).toEqual(before);
      // The key was not used up: a valid request may take it.
      expect((await create({ url, idempotency_key: 'refused-key' })).statusCode).toBe(200);
    });

    it('accepts the limits exactly, and stores what it answers', async () => {
      const body = {
        url: `https://example.com/${'p'.repeat(2048 - 'https://example.com/'.length)}`,
        description: 'd'.repeat(500),
        metadata: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padStart(40, 'k'), 'v'.repeat(500)])),
        headers: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v'])),
        filter_types: ['customer.created', 'wallet.credited', 'wallet.debited', 'wallet.low_balance'],
        rate_limit: 10_000,
        disabled: true,
      };
      const response = await create(body);
      expect(response.statusCode, response.body).toBe(200);
      const endpoint = response.json();
      expect(endpoint).toMatchObject({ url: body.url, description: body.description, metadata: body.metadata, filter_types: body.filter_types, rate_limit: 10_000, disabled: true });
      expect((await t.request('GET', `/webhooks/${endpoint.id}`)).json()).toEqual(endpoint);
      const row = await t.coffer.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpoint.id).executeTakeFirstOrThrow();
      expect(JSON.parse(row.headers)).toEqual(body.headers);
      expect(row).toMatchObject({ business_id: t.businessId, disabled: 1, disabled_reason: null, previous_secret: null, previous_secret_expires_at: null });
    });
  });

  describe('idempotency_key', () => {
    it('answers a repeat of the same body with the same endpoint, marked as a replay, and creates one row', async () => {
      const body = { url, idempotency_key: 'create-1', metadata: { a: '1', b: '2' }, filter_types: ['wallet.debited', 'wallet.credited'] };
      const first = await create(body);
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-idempotent-replay']).toBeUndefined();
      // The same request spelled differently (metadata keys and filter_types in another order) is the same request.
      const again = await create({ ...body, metadata: { b: '2', a: '1' }, filter_types: ['wallet.credited', 'wallet.debited'] });
      expect(again.statusCode).toBe(200);
      expect(again.headers['x-idempotent-replay']).toBe('true');
      expect(again.json()).toEqual(first.json());
      const rows = await t.coffer.store.db.selectFrom('webhook_endpoints').select('id').where('url', '=', url).where('business_id', '=', t.businessId).execute();
      expect(rows.filter((row) => row.id === first.json().id)).toHaveLength(1);
      const record = await t.coffer.store.db.selectFrom('idempotency_records').selectAll().where('key', '=', 'create-1').executeTakeFirstOrThrow();
      expect(record).toMatchObject({ business_id: t.businessId, scope: 'client', result_type: 'webhook_endpoint', result_id: first.json().id });
    });

    it('refuses the key with another body: 409, x-should-retry false, naming the endpoint it created', async () => {
      const first = (await create({ url, idempotency_key: 'create-2' })).json();
      for (const other of [{ url: 'https://example.org/other' }, { url, description: 'x' }, { url, headers: { 'X-A': 'b' } }, { url, rate_limit: 3 }]) {
        const response = await create({ ...other, idempotency_key: 'create-2' });
        expect(response.statusCode).toBe(409);
        expect(response.headers['x-should-retry']).toBe('false');
        expect(response.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', webhook_id: first.id });
      }
    });

    it('shares the client key space with ledger entries: a key used by one is refused by the other', async () => {
      const customer = await createCustomer(t);
      const entry = await t.request('POST', `/customers/${customer.customer_id}/wallets/ledger-entries`, {
        body: { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'shared-1' },
      });
      expect(entry.statusCode).toBe(200);
      const webhook = await create({ url, idempotency_key: 'shared-1' });
      expect(webhook.statusCode).toBe(409);
      expect(webhook.json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
      expect(webhook.json().webhook_id).toBeUndefined();

      expect((await create({ url, idempotency_key: 'shared-2' })).statusCode).toBe(200);
      const credit = await t.request('POST', `/customers/${customer.customer_id}/wallets/ledger-entries`, {
        body: { amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: 'shared-2' },
      });
      expect(credit.statusCode).toBe(409);
      expect(credit.json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    });

    it('answers a repeat after the endpoint was deleted with 404 naming it', async () => {
      const first = (await create({ url, idempotency_key: 'create-3' })).json();
      expect((await t.request('DELETE', `/webhooks/${first.id}`)).statusCode).toBe(204);
      const response = await create({ url, idempotency_key: 'create-3' });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('WEBHOOK_NOT_FOUND');
      expect(response.json().message).toContain(first.id);
    });

    it('keeps keys per business', async () => {
      const other = await t.addBusiness('Key owner');
      const mine = (await create({ url, idempotency_key: 'create-4' })).json();
      const theirs = await create({ url: 'https://example.org/theirs', idempotency_key: 'create-4' }, other.apiKey);
      expect(theirs.statusCode).toBe(200);
      expect(theirs.json().id).not.toBe(mine.id);
    });

    it('creates one endpoint for concurrent repeats of one key', async () => {
      const business = await t.addBusiness('Concurrent keys');
      const responses = await Promise.all(Array.from({ length: 8 }, () => create({ url, idempotency_key: 'race' }, business.apiKey)));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
      expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
      const rows = await t.coffer.store.db.selectFrom('webhook_endpoints').select('id').where('business_id', '=', business.businessId).execute();
      expect(rows).toHaveLength(1);
    });
  });

  describe('endpoints per business', () => {
    let business: TestBusiness;
    beforeAll(async () => {
      business = await t.addBusiness('Many endpoints');
    });

    it('allows 50, even when requests race, then refuses with 400 WEBHOOK_ENDPOINT_LIMIT_REACHED until one is deleted', async () => {
      const responses = await Promise.all(Array.from({ length: 56 }, (_, i) => create({ url: `https://example.com/many/${i}` }, business.apiKey)));
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(50);
      expect(statuses.filter((s) => s === 400)).toHaveLength(6);
      const limited = responses.find((r) => r.statusCode === 400)!.json();
      expect(limited.code).toBe('WEBHOOK_ENDPOINT_LIMIT_REACHED');
      expect(limited.message).toContain('50');
      const rows = await t.coffer.store.db.selectFrom('webhook_endpoints').select('id').where('business_id', '=', business.businessId).execute();
      expect(rows).toHaveLength(50);
      // Other businesses are not affected.
      expect((await create({ url })).statusCode).toBe(200);

      expect((await t.request('DELETE', `/webhooks/${rows[0].id}`, { key: business.apiKey })).statusCode).toBe(204);
      expect((await create({ url }, business.apiKey)).statusCode).toBe(200);
      expect((await create({ url }, business.apiKey)).statusCode).toBe(400);
    });
  });

  describe('list', () => {
    let business: TestBusiness;
    let ids: string[];
    beforeAll(async () => {
      business = await t.addBusiness('Listed');
      ids = [];
      for (let i = 0; i < 7; i++) ids.push((await create({ url: `https://example.com/listed/${i}` }, business.apiKey)).json().id);
      ids.sort();
    });
    const list = (query = '') => t.request('GET', `/webhooks${query}`, { key: business.apiKey });

    it('answers every endpoint of the business in id order, in the cursor envelope', async () => {
      const response = await list();
      expect(response.statusCode).toBe(200);
      const page = response.json();
      expect(page).toEqual({ data: expect.any(Array), iterator: null, done: true, prev_iterator: null });
      expect(page.data.map((e: { id: string }) => e.id)).toEqual(ids);
    });

    it('pages by iterator: the last id of a page while more remain, null on the last page', async () => {
      const seen: string[] = [];
      let iterator: string | null = '';
      let pages = 0;
      while (iterator !== null) {
        const page: { data: Array<{ id: string }>; iterator: string | null; done: boolean } = (await list(`?limit=3&iterator=${iterator}`)).json();
        pages += 1;
        seen.push(...page.data.map((e: { id: string }) => e.id));
        expect(page.done).toBe(page.iterator === null);
        if (page.iterator !== null) expect(page.iterator).toBe(page.data.at(-1)?.id);
        iterator = page.iterator;
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(ids);
      // A page that ends exactly at the last endpoint says so, rather than sending the client to an empty page.
      const exact = (await list(`?limit=3&iterator=${ids[3]}`)).json();
      expect(exact).toMatchObject({ iterator: null, done: true });
      expect(exact.data).toHaveLength(3);
    });

    it('continues after an iterator that names no endpoint, and answers an empty last page past the end', async () => {
      const page = (await list(`?iterator=${ids[2]}x`)).json();
      expect(page.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(3));
      expect((await list(`?iterator=${ids[6]}`)).json()).toEqual({ data: [], iterator: null, done: true, prev_iterator: null });
    });

    it.each(['?limit=0', '?limit=101', '?limit=abc', '?limit=1.5', '?sort=asc', `?iterator=${'i'.repeat(65)}`])('refuses %s with 422 INVALID_REQUEST_PARAMETERS', async (query) => {
      const response = await list(query);
      expect(response.statusCode).toBe(422);
      expect(response.json().code).toBe('INVALID_REQUEST_PARAMETERS');
    });

    it('defaults to 50 per page', async () => {
      const many = await t.addBusiness('Default page size');
      for (let i = 0; i < 50; i++) expect((await create({ url: `https://example.com/p/${i}` }, many.apiKey)).statusCode).toBe(200);
      // A 51st only by hand: the API stops at 50 endpoints per business, the page default is what is checked here.
      const db = t.coffer.store.db;
      const row = await db.selectFrom('webhook_endpoints').selectAll().where('business_id', '=', many.businessId).orderBy('id', 'desc').executeTakeFirstOrThrow();
      await db.insertInto('webhook_endpoints').values({ ...row, id: `${row.id.slice(0, -1)}~` }).execute();
      const page = (await t.request('GET', '/webhooks', { key: many.apiKey })).json();
      expect(page.data).toHaveLength(50);
      expect(page).toMatchObject({ done: false, iterator: page.data[49].id });
      expect((await t.request('GET', `/webhooks?iterator=${page.iterator}`, { key: many.apiKey })).json().data).toHaveLength(1);
    });
  });
});

describe.each(storeKinds)('webhook endpoint URLs with COFFER_WEBHOOK_ALLOW_PRIVATE_URLS [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  });
  afterAll(async () => t?.close());

  it.each(['http://127.0.0.1:9/hooks', 'http://localhost:3000/hooks', 'http://[::1]/hooks', 'http://10.1.2.3/hooks', 'http://169.254.169.254/'])(
    'accepts %s on create and update',
    async (text) => {
      const created = await t.request('POST', '/webhooks', { body: { url: text } });
      expect(created.statusCode, created.body).toBe(200);
      expect(created.json().url).toBe(text);
      const updated = await t.request('PATCH', `/webhooks/${created.json().id}`, { body: { url: text } });
      expect(updated.statusCode).toBe(200);
    },
  );

  it('still refuses what is not an http(s) URL, or carries credentials', async () => {
    for (const text of ['ftp://127.0.0.1/', 'http://user:pw@127.0.0.1/', 'file:///etc/passwd']) {
      const response = await t.request('POST', '/webhooks', { body: { url: text } });
      expect(response.statusCode).toBe(422);
      expect(response.json().code).toBe('WEBHOOK_URL_INVALID');
    }
  });
});
