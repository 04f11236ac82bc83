// The official dodopayments@2.52.0 SDK against a real listening Coffer: every product-doc example, customers, pages, errors.
// The examples below are copied from /work/shared/seed/customer-wallets.md; only types were added so they compile.
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
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LoopbackProxy, sdkClient, startProxy } from './support/sdk.ts';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

describe.each(storeKinds)('SDK conformance [%s]', (kind) => {
  let t: TestApp;
  let baseURL: string;
  let client: DodoPayments;
  let counting: LoopbackProxy;

  beforeAll(async () => {
    t = await startTestApp(kind);
    baseURL = await t.listen();
    client = sdkClient(baseURL, t.apiKey);
    counting = await startProxy(baseURL);
  });
  afterAll(async () => {
    await counting?.close();
    await t?.close();
  });

  const newCustomer = async (name = 'Ada Lovelace') =>
    (await client.customers.create({ email: `${name.replace(/\W/g, '').toLowerCase()}@example.com`, name })).customer_id;
  const balanceOf = async (customerId: string, currency = 'USD') =>
    (await client.customers.wallets.list(customerId)).items.find((w) => w.currency === currency)?.balance;
  const entriesOf = async (customerId: string) => {
    const page = await client.customers.wallets.ledgerEntries.list(customerId, { page_size: 100, page_number: 0 });
    return page.items;
  };

  // ---- The product doc's examples, verbatim apart from TypeScript annotations. ----

  async function refundToWallet(customerId: string, refundAmount: number, originalPaymentId: string) {
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: refundAmount, // Amount in cents
      currency: 'USD',
      entry_type: 'credit',
      reason: `Refund for payment ${originalPaymentId}`,
      idempotency_key: `refund_${originalPaymentId}`
    });
  }

  async function addWelcomeBonus(customerId: string) {
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 1000, // $10.00 promotional balance
      currency: 'USD',
      entry_type: 'credit',
      reason: 'Welcome bonus - $10 promotional balance',
      idempotency_key: `welcome_${customerId}`
    });
  }

  async function deductForPurchase(customerId: string, purchaseAmount: number, purchaseId: string) {
    try {
      await client.customers.wallets.ledgerEntries.create(customerId, {
        amount: purchaseAmount,
        currency: 'USD',
        entry_type: 'debit',
        reason: `Subscription charge - monthly billing`,
        idempotency_key: `charge_${purchaseId}`
      });
    } catch (error: any) {
      if (error.status === 400) {
        console.log('Insufficient wallet balance');
      }
    }
  }

  async function addFundsSafely(customerId: string, amount: number, reason: string) {
    const idempotencyKey = `${reason}_${customerId}_${Date.now()}`;

    try {
      const result = await client.customers.wallets.ledgerEntries.create(customerId, {
        amount: amount,
        currency: 'USD',
        entry_type: 'credit',
        reason: reason,
        idempotency_key: idempotencyKey
      });

      return { success: true, wallet: result };
    } catch (error: any) {
      if (error.status === 409) {
        // Transaction already processed
        return { success: true, wallet: null, duplicate: true };
      }

      throw error;
    }
  }

  async function checkBalanceBeforeOperation(customerId: string, requiredAmount: number) {
    const wallets = await client.customers.wallets.list(customerId);
    const usdWallet = wallets.items.find(w => w.currency === 'USD');

    if (!usdWallet || usdWallet.balance < requiredAmount) {
      throw new Error('Insufficient funds for this operation');
    }

    return usdWallet.balance;
  }

  it('refundToWallet credits the refund once, with the reason on the entry', async () => {
    const customerId = await newCustomer('Refund Customer');
    await refundToWallet(customerId, 2500, 'pay_123');
    expect(await balanceOf(customerId)).toBe(2500);
    const [entry] = await entriesOf(customerId);
    expect(entry).toMatchObject({
      amount: 2500, currency: 'USD', is_credit: true, before_balance: 0, after_balance: 2500,
      event_type: 'merchant_adjustment', reason: 'Refund for payment pay_123', customer_id: customerId, business_id: t.businessId,
    });
    // The same refund processed twice: the doc's function does not catch, so the caller sees the 409.
    await expect(refundToWallet(customerId, 2500, 'pay_123')).rejects.toBeInstanceOf(ConflictError);
    expect(await balanceOf(customerId)).toBe(2500);
    expect(await entriesOf(customerId)).toHaveLength(1);
  });

  it('addWelcomeBonus adds $10 once per customer', async () => {
    const customerId = await newCustomer('Welcome Customer');
    await addWelcomeBonus(customerId);
    await expect(addWelcomeBonus(customerId)).rejects.toMatchObject({ status: 409 });
    expect(await balanceOf(customerId)).toBe(1000);
    expect((await entriesOf(customerId)).map((e) => e.reason)).toEqual(['Welcome bonus - $10 promotional balance']);
  });

  it('deductForPurchase debits, takes the error.status === 400 branch on insufficient funds, and the key stays usable', async () => {
    const customerId = await newCustomer('Purchase Customer');
    await addWelcomeBonus(customerId);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await deductForPurchase(customerId, 400, 'pur_1');
      expect(await balanceOf(customerId)).toBe(600);
      expect(log).not.toHaveBeenCalled();

      await deductForPurchase(customerId, 700, 'pur_2');
      expect(log).toHaveBeenCalledWith('Insufficient wallet balance');
      expect(await balanceOf(customerId)).toBe(600);
      expect(await entriesOf(customerId)).toHaveLength(2);

      // Nothing was written, so after a top-up the same charge (same key) goes through.
      await refundToWallet(customerId, 100, `pay_topup_${customerId}`);
      log.mockClear();
      await deductForPurchase(customerId, 700, 'pur_2');
      expect(log).not.toHaveBeenCalled();
      expect(await balanceOf(customerId)).toBe(0);
      const [last] = await entriesOf(customerId);
      expect(last).toMatchObject({ amount: 700, is_credit: false, before_balance: 700, after_balance: 0, reason: 'Subscription charge - monthly billing' });
    } finally {
      log.mockRestore();
    }
  });

  it('runs the prepaid billing flow: deposit, purchases, and monitors a low balance', async () => {
    const customerId = await newCustomer('Prepaid Customer');
    const paymentId = 'pay_prepaid_1';
    const notifications: Array<[string, number]> = [];
    const sendLowBalanceNotification = async (id: string, balance: number) => {
      notifications.push([id, balance]);
    };
    const purchase = async (purchaseId: string) => {
      await client.customers.wallets.ledgerEntries.create(customerId, {
        amount: 1500, // $15.00 charge
        currency: 'USD',
        entry_type: 'debit',
        reason: 'Service purchase - monthly subscription',
        idempotency_key: `purchase_${purchaseId}`
      });
    };
    const monitor = async () => {
      const wallets = await client.customers.wallets.list(customerId);
      const usdWallet = wallets.items.find(w => w.currency === 'USD')!;
      const balance = usdWallet.balance;

      if (balance < 1000) { // Less than $10.00
        // Send low balance notification
        await sendLowBalanceNotification(customerId, balance);
      }
    };

    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 5000, // $50.00 deposit
      currency: 'USD',
      entry_type: 'credit',
      reason: 'Account funding - prepaid deposit',
      idempotency_key: `deposit_${paymentId}`
    });
    await purchase('p1');
    await monitor();
    expect(notifications).toEqual([]);
    await purchase('p2');
    await purchase('p3');
    await monitor();
    expect(notifications).toEqual([[customerId, 500]]);
    await expect(purchase('p4')).rejects.toBeInstanceOf(BadRequestError);
    expect((await entriesOf(customerId)).map((e) => e.after_balance)).toEqual([500, 2000, 3500, 5000]);
  });

  it('keeps separate USD and INR balances and totals them in USD', async () => {
    const customerId = await newCustomer('Global Customer');
    const paymentId = 'pay_multi_1';
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 20000, // $200.00 in cents
      currency: 'USD',
      entry_type: 'credit',
      reason: 'USD account funding',
      idempotency_key: `usd_deposit_${paymentId}`
    });
    await client.customers.wallets.ledgerEntries.create(customerId, {
      amount: 1500000, // Rs 15,000 in paise
      currency: 'INR',
      entry_type: 'credit',
      reason: 'INR account funding',
      idempotency_key: `inr_deposit_${paymentId}`
    });
    const wallets = await client.customers.wallets.list(customerId);
    expect(wallets.items.find((w) => w.currency === 'USD')?.balance).toBe(20000);
    expect(wallets.items.find((w) => w.currency === 'INR')?.balance).toBe(1500000);
    // Rs 15,000 at the default 0.012 USD per rupee is $180.00.
    expect(wallets.total_balance_usd).toBe(20000 + 18000);
    const inr = await client.customers.wallets.ledgerEntries.list(customerId, { currency: 'INR', page_number: 0 });
    expect(inr.items.map((e) => [e.currency, e.amount])).toEqual([['INR', 1500000]]);
  });

  it('addFundsSafely credits once and takes its 409 branch on a repeat, with only one request sent', async () => {
    const customerId = await newCustomer('Safe Customer');
    const proxied = sdkClient(counting.baseUrl, t.apiKey);
    const viaProxy = async (amount: number, reason: string) => {
      const saved = client;
      client = proxied;
      try {
        return await addFundsSafely(customerId, amount, reason);
      } finally {
        client = saved;
      }
    };
    // The doc's key includes Date.now(): the same event handled twice within one millisecond repeats the key.
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_000);
    try {
      const first = await viaProxy(2000, 'loyalty_reward');
      expect(first).toMatchObject({ success: true, wallet: { balance: 2000, currency: 'USD', customer_id: customerId } });
      const before = counting.matching('POST', `/customers/${customerId}/`).length;
      const second = await viaProxy(2000, 'loyalty_reward');
      expect(second).toEqual({ success: true, wallet: null, duplicate: true });
      const repeats = counting.matching('POST', `/customers/${customerId}/`).slice(before);
      expect(repeats.map((r) => [r.retryCount, r.upstreamStatus])).toEqual([[0, 409]]);
    } finally {
      now.mockRestore();
    }
    expect(await balanceOf(customerId)).toBe(2000);
    expect(await entriesOf(customerId)).toHaveLength(1);
  });

  it('checkBalanceBeforeOperation returns the balance or throws', async () => {
    const customerId = await newCustomer('Check Customer');
    await refundToWallet(customerId, 3000, `pay_check_${customerId}`);
    expect(await checkBalanceBeforeOperation(customerId, 3000)).toBe(3000);
    await expect(checkBalanceBeforeOperation(customerId, 3001)).rejects.toThrow('Insufficient funds for this operation');
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
  });

  it('lists a new customer\'s wallets: USD and INR at zero, in Dodo\'s shape', async () => {
    const customerId = await newCustomer('Fresh Customer');
    const wallets = await client.customers.wallets.list(customerId);
    expect(Object.keys(wallets).sort()).toEqual(['items', 'total_balance_usd']);
    expect(wallets.total_balance_usd).toBe(0);
    expect(wallets.items.map((w) => [w.currency, w.balance]).sort()).toEqual([['INR', 0], ['USD', 0]]);
    for (const wallet of wallets.items) {
      expect(Object.keys(wallet).sort()).toEqual(['balance', 'created_at', 'currency', 'customer_id', 'updated_at']);
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
