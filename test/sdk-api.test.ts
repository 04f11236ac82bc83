// The official dodopayments@2.52.0 SDK against a real listening Coffer: customers, wallet shapes, auto-pagination, every error class.
import DodoPayments, {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackProxy, sdkClient, startProxy, useSdkApp } from './support/sdk.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

describe.each(storeKinds)('SDK customers, pages and errors [%s]', (kind) => {
  const sdk = useSdkApp(kind);
  const { newCustomer, balanceOf, entriesOf } = sdk;
  let t: TestApp;
  let baseURL: string;
  let client: DodoPayments;
  let counting: LoopbackProxy;
  beforeAll(() => {
    ({ t, baseURL, client, counting } = sdk);
  });

  // ---- Customers, wallets and ledger shapes through the SDK. ----

  it('creates, retrieves, updates and lists customers', async () => {
    const created = await client.customers.create({ email: 'grace@example.com', name: 'Grace Hopper', metadata: { plan: 'pro' } });
    expect(created.customer_id).toMatch(/^cus_[0-9A-Za-z]{21}$/);
    expect(created).toMatchObject({ business_id: t.businessId, email: 'grace@example.com', name: 'Grace Hopper', metadata: { plan: 'pro' } });
    expect(Number.isNaN(Date.parse(created.created_at))).toBe(false);

    expect(await client.customers.retrieve(created.customer_id)).toEqual(created);
    const updated = await client.customers.update(created.customer_id, { name: 'Rear Admiral Hopper', phone_number: '+1 555 0100' });
    expect(updated).toMatchObject({ customer_id: created.customer_id, name: 'Rear Admiral Hopper', phone_number: '+1 555 0100', email: 'grace@example.com' });
    expect(await client.customers.retrieve(created.customer_id)).toEqual(updated);

    const byEmail = await client.customers.list({ email: 'grace@example.com' });
    expect(byEmail.items.map((c) => c.customer_id)).toEqual([created.customer_id]);
    const byName = await client.customers.list({ name: 'admiral' });
    expect(byName.items.map((c) => c.customer_id)).toEqual([created.customer_id]);
    const window = { created_at_gte: created.created_at, created_at_lte: created.created_at, name: 'hopper' };
    expect((await client.customers.list(window)).items.map((c) => c.customer_id)).toEqual([created.customer_id]);
    const later = new Date(Date.parse(created.created_at) + 1000).toISOString();
    expect((await client.customers.list({ ...window, created_at_gte: later, created_at_lte: later })).items).toEqual([]);
  });

  it('lists a new customer\'s wallets: USD and INR at zero, in Dodo\'s shape', async () => {
    const customerId = await newCustomer('Fresh Customer');
    const wallets = await client.customers.wallets.list(customerId);
    expect(Object.keys(wallets).sort()).toEqual(['items', 'total_balance_usd']);
    expect(wallets.total_balance_usd).toBe(0);
    expect(wallets.items.map((w) => [w.currency, w.balance]).sort()).toEqual([['INR', 0], ['USD', 0]]);
    for (const wallet of wallets.items) {
      // Dodo's fields and the two additive expiry extensions (docs/expiry.md), which the SDK parses through.
      expect(Object.keys(wallet).sort()).toEqual(['available_balance', 'balance', 'created_at', 'currency', 'customer_id', 'expiring_amount', 'held_amount', 'next_expiry_at', 'updated_at']);
      expect(wallet.customer_id).toBe(customerId);
    }
  });

  it('returns the updated wallet from ledgerEntries.create and full entries from ledgerEntries.list', async () => {
    const customerId = await newCustomer('Shape Customer');
    const wallet = await client.customers.wallets.ledgerEntries.create(customerId, { amount: 42, currency: 'INR', entry_type: 'credit' });
    expect(Object.keys(wallet).sort()).toEqual(['balance', 'created_at', 'currency', 'customer_id', 'updated_at']);
    expect(wallet).toMatchObject({ balance: 42, currency: 'INR', customer_id: customerId });
    const [entry] = await entriesOf(customerId);
    for (const field of ['id', 'after_balance', 'amount', 'before_balance', 'business_id', 'created_at', 'currency', 'customer_id', 'event_type', 'is_credit', 'reason', 'reference_object_id']) {
      expect(entry).toHaveProperty(field);
    }
    expect(entry).toMatchObject({ amount: 42, currency: 'INR', reason: null, reference_object_id: null, event_type: 'merchant_adjustment' });
  });

  // ---- Auto-pagination. ----

  it('auto-paginates ledger entries over several pages, each entry exactly once, and stops', async () => {
    const customerId = await newCustomer('Pager Customer');
    for (let amount = 1; amount <= 7; amount += 1) {
      await client.customers.wallets.ledgerEntries.create(customerId, { amount, currency: 'USD', entry_type: 'credit', idempotency_key: `page_${customerId}_${amount}` });
    }
    const pager = sdkClient(counting.baseUrl, t.apiKey);
    const seen: number[] = [];
    const ids = new Set<string>();
    for await (const e of pager.customers.wallets.ledgerEntries.list(customerId, { page_size: 2, page_number: 0 })) {
      seen.push(e.amount);
      ids.add(e.id);
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(ids.size).toBe(7);
    // Pages 0–3 hold the entries; page 4 is `{ items: [] }`, which is what makes the SDK stop.
    const pages = counting.matching('GET', `/customers/${customerId}/wallets/ledger-entries`).map((r) => new URL(r.path, 'http://x').searchParams.get('page_number'));
    expect(pages).toEqual(['0', '1', '2', '3', '4']);
  });

  it('auto-paginates customers.list over several pages', async () => {
    const created: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      created.push((await client.customers.create({ email: `paged${index}@example.com`, name: `Paged Zebra ${index}` })).customer_id);
    }
    const seen: string[] = [];
    for await (const customer of client.customers.list({ name: 'paged zebra', page_size: 2, page_number: 0 })) {
      seen.push(customer.customer_id);
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(created));
  });

  it('without page_number the SDK asks for page 2 after the first page (SDK quirk, see docs/sdk.md)', async () => {
    const customerId = await newCustomer('Quirk Customer');
    for (let amount = 1; amount <= 5; amount += 1) {
      await client.customers.wallets.ledgerEntries.create(customerId, { amount, currency: 'USD', entry_type: 'credit' });
    }
    const seen: number[] = [];
    for await (const e of client.customers.wallets.ledgerEntries.list(customerId, { page_size: 2 })) seen.push(e.amount);
    expect(seen).toEqual([5, 4, 1]);
  });

  // ---- Every error class the SDK maps that Coffer can produce. ----

  it('BadRequestError (400 INSUFFICIENT_WALLET_FUNDS) with err.error.code', async () => {
    const customerId = await newCustomer('Poor Customer');
    const failure = await client.customers.wallets.ledgerEntries
      .create(customerId, { amount: 1, currency: 'USD', entry_type: 'debit', idempotency_key: 'poor_1' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BadRequestError);
    expect(failure).toMatchObject({ status: 400, error: { code: 'INSUFFICIENT_WALLET_FUNDS' } });
    expect((failure as BadRequestError).message).toMatch(/^400 /);
  });

  it('AuthenticationError (401) for a missing or unknown key', async () => {
    const failure = await sdkClient(baseURL, 'ck_rw_not_a_real_key_at_all_000000').customers.list().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure).toMatchObject({ status: 401, error: { code: 'UNAUTHORIZED' } });
  });

  it('PermissionDeniedError (403) for a write with a read-only key; reads still work', async () => {
    const customerId = await newCustomer('Readonly Customer');
    const reader = sdkClient(baseURL, t.readOnlyKey);
    expect((await reader.customers.wallets.list(customerId)).items).toHaveLength(2);
    const failure = await reader.customers.wallets.ledgerEntries
      .create(customerId, { amount: 1, currency: 'USD', entry_type: 'credit' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermissionDeniedError);
    expect(failure).toMatchObject({ status: 403, error: { code: 'FORBIDDEN' } });
    expect(await balanceOf(customerId)).toBe(0);
  });

  it('NotFoundError (404) for an unknown customer and for another business\'s customer', async () => {
    const unknown = await client.customers.retrieve('cus_000000000000000000000').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ status: 404, error: { code: 'CUSTOMER_NOT_FOUND' } });

    const other = await t.addBusiness('Other business');
    const theirs = await sdkClient(baseURL, other.apiKey).customers.create({ email: 'x@example.com', name: 'Theirs' });
    for (const call of [
      () => client.customers.retrieve(theirs.customer_id),
      () => client.customers.wallets.list(theirs.customer_id),
      () => client.customers.wallets.ledgerEntries.create(theirs.customer_id, { amount: 1, currency: 'USD', entry_type: 'credit' }),
    ]) {
      const failure = await call().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(NotFoundError);
      expect((failure as NotFoundError).error).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
    }
  });

  it('NotFoundError (404 NOT_FOUND) for an SDK resource Coffer does not implement', async () => {
    const failure = await client.products.list().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect(failure).toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } });
  });

  it('works configured only by DODO_PAYMENTS_BASE_URL and DODO_PAYMENTS_API_KEY, with or without a trailing slash', async () => {
    const saved = { url: process.env.DODO_PAYMENTS_BASE_URL, key: process.env.DODO_PAYMENTS_API_KEY };
    try {
      for (const url of [baseURL, `${baseURL}/`]) {
        process.env.DODO_PAYMENTS_BASE_URL = url;
        process.env.DODO_PAYMENTS_API_KEY = t.apiKey;
        const fromEnvironment = new DodoPayments({ logLevel: 'off' });
        const customer = await fromEnvironment.customers.create({ email: 'env@example.com', name: 'From Env' });
        expect((await fromEnvironment.customers.wallets.list(customer.customer_id)).items).toHaveLength(2);
      }
    } finally {
      for (const [name, value] of [['DODO_PAYMENTS_BASE_URL', saved.url], ['DODO_PAYMENTS_API_KEY', saved.key]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('ConflictError (409) reaches the caller after exactly one request, with the original entry', async () => {
    const customerId = await newCustomer('Conflict Customer');
    const proxied = sdkClient(counting.baseUrl, t.apiKey, { maxRetries: 2 });
    const body = { amount: 300, currency: 'USD', entry_type: 'credit', idempotency_key: `conflict_${customerId}` } as const;
    await proxied.customers.wallets.ledgerEntries.create(customerId, body);
    const failure = await proxied.customers.wallets.ledgerEntries.create(customerId, body).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConflictError);
    const conflict = failure as ConflictError;
    expect(conflict.headers.get('x-should-retry')).toBe('false');
    expect(conflict.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_ALREADY_USED', entry: { amount: 300, idempotency_key: body.idempotency_key }, wallet: { balance: 300 } });
    const posts = counting.matching('POST', `/customers/${customerId}/wallets/ledger-entries`);
    expect(posts.map((r) => [r.retryCount, r.upstreamStatus])).toEqual([[0, 200], [0, 409]]);

    const different = await proxied.customers.wallets.ledgerEntries.create(customerId, { ...body, amount: 301 }).catch((error: unknown) => error);
    expect(different).toBeInstanceOf(ConflictError);
    expect((different as ConflictError).error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST' });
    expect(counting.matching('POST', `/customers/${customerId}/wallets/ledger-entries`)).toHaveLength(3);
    expect(await balanceOf(customerId)).toBe(300);
  });

  it('UnprocessableEntityError (422) names the field, for a bad amount and an unsupported currency', async () => {
    const customerId = await newCustomer('Invalid Customer');
    const negative = await client.customers.wallets.ledgerEntries.create(customerId, { amount: -5, currency: 'USD', entry_type: 'credit' }).catch((error: unknown) => error);
    expect(negative).toBeInstanceOf(UnprocessableEntityError);
    expect(negative).toMatchObject({ status: 422, error: { code: 'INVALID_REQUEST_BODY' } });
    expect((negative as UnprocessableEntityError).message).toContain('amount');

    const euro = await client.customers.wallets.ledgerEntries.create(customerId, { amount: 5, currency: 'EUR', entry_type: 'credit' }).catch((error: unknown) => error);
    expect(euro).toBeInstanceOf(UnprocessableEntityError);
    expect(euro).toMatchObject({ error: { code: 'UNSUPPORTED_CURRENCY' } });

    const badEmail = await client.customers.create({ email: 'not-an-email', name: 'X' }).catch((error: unknown) => error);
    expect(badEmail).toBeInstanceOf(UnprocessableEntityError);
    expect((badEmail as UnprocessableEntityError).message).toContain('email');
  });

  it('InternalServerError (5xx) after the SDK has retried, with err.error.code', async () => {
    const failing = await startProxy(baseURL, () => ({
      kind: 'respond', status: 503, headers: { 'retry-after-ms': '5' }, body: { code: 'SERVICE_UNAVAILABLE', message: 'down for maintenance' },
    }));
    try {
      const failure = await sdkClient(failing.baseUrl, t.apiKey, { maxRetries: 2 }).customers.list().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InternalServerError);
      expect(failure).toMatchObject({ status: 503, error: { code: 'SERVICE_UNAVAILABLE' } });
      expect(failing.requests.map((r) => r.retryCount)).toEqual([0, 1, 2]);
    } finally {
      await failing.close();
    }
  });
});

describe.each(storeKinds)('SDK rate limiting [%s]', (kind) => {
  let t: TestApp;
  let baseURL: string;
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_RATE_LIMIT_PER_SECOND: '1', COFFER_RATE_LIMIT_BURST: '1' });
    baseURL = await t.listen();
  });
  afterAll(async () => t?.close());

  it('RateLimitError (429 TOO_MANY_REQUESTS) once the burst is spent', async () => {
    const client = sdkClient(baseURL, t.apiKey, { maxRetries: 0 });
    const results = await Promise.allSettled([client.customers.list(), client.customers.list(), client.customers.list()]);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toBeInstanceOf(RateLimitError);
    expect(failures[0]).toMatchObject({ status: 429, error: { code: 'TOO_MANY_REQUESTS' } });
    expect((failures[0] as RateLimitError).headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('the SDK waits out Retry-After on a 429 and its retry succeeds', async () => {
    const proxy = await startProxy(baseURL);
    try {
      const client = sdkClient(proxy.baseUrl, t.apiKey, { maxRetries: 2 });
      await Promise.allSettled([client.customers.list({}, { maxRetries: 0 }), client.customers.list({}, { maxRetries: 0 })]);
      const before = proxy.requests.length;
      const page = await client.customers.list();
      expect(page.items).toEqual([]);
      const statuses = proxy.requests.slice(before).map((r) => [r.retryCount, r.upstreamStatus]);
      expect(statuses[0]).toEqual([0, 429]);
      expect(statuses.at(-1)).toEqual([statuses.length - 1, 200]);
    } finally {
      await proxy.close();
    }
  });
});
