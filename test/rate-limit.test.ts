// Per-API-key rate limiting: the token bucket, its headers, 429 with Retry-After, per-key isolation, refill, and the SDK.
import DodoPayments, { RateLimitError } from 'dodopayments';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createBusiness } from '../src/businesses/business-service.ts';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { type CofferApp, buildCoffer } from '../src/app/coffer.ts';
import { RateLimiter } from '../src/http/rate-limit.ts';
import type { Clock } from '../src/shared/clock.ts';
import { createTestDatabase, openTestStore, storeKinds } from './support/stores.ts';

/** A clock that moves only when told to. */
function manualClock(startMs = Date.parse('2030-01-01T00:00:00Z')) {
  let nowMs = startMs;
  const clock: Clock & { advance(ms: number): void } = { now: () => new Date(nowMs), advance: (ms) => (nowMs += ms) };
  return clock;
}

describe('rate limit configuration', () => {
  it('defaults to 1000 requests per second per key with bursts of 2000', () => {
    const config = loadConfig({});
    expect(config.rateLimitPerSecond).toBe(1000);
    expect(config.rateLimitBurst).toBe(2000);
  });

  it('derives the burst from the rate unless given, and 0 turns the limiter off', () => {
    expect(loadConfig({ COFFER_RATE_LIMIT_PER_SECOND: '50' }).rateLimitBurst).toBe(100);
    expect(loadConfig({ COFFER_RATE_LIMIT_PER_SECOND: '50', COFFER_RATE_LIMIT_BURST: '7' }).rateLimitBurst).toBe(7);
    expect(loadConfig({ COFFER_RATE_LIMIT_PER_SECOND: '0' }).rateLimitPerSecond).toBe(0);
  });

  it('rejects a zero burst while the limiter is on, and non-integers', () => {
    expect(() => loadConfig({ COFFER_RATE_LIMIT_BURST: '0' })).toThrow(/COFFER_RATE_LIMIT_BURST must be at least 1/);
    expect(() => loadConfig({ COFFER_RATE_LIMIT_PER_SECOND: '1.5' })).toThrow(ConfigError);
    expect(() => loadConfig({ COFFER_RATE_LIMIT_PER_SECOND: '-1' })).toThrow(/COFFER_RATE_LIMIT_PER_SECOND/);
  });
});

describe('token bucket', () => {
  it('counts down, refuses when empty with a Retry-After of at least 1 s, and refills with time', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, nowMs: () => clock.now().getTime() });
    expect(limiter.take('k')).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 1, retryAfterSeconds: 0 });
    expect(limiter.take('k')).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 1 });
    expect(limiter.take('k')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 2 });
    expect(limiter.take('k')).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 2, retryAfterSeconds: 1 });
    clock.advance(250); // half a token
    expect(limiter.take('k')).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    clock.advance(250);
    expect(limiter.take('k')).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(60_000);
    expect(limiter.take('k')).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 1 });
  });

  it('keeps a bucket per key', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, nowMs: () => 0 });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('waits whole seconds for slow rates and never steps back when the clock does', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 10, nowMs: () => clock.now().getTime() });
    for (let i = 0; i < 10; i++) limiter.take('k');
    expect(limiter.take('k')).toMatchObject({ allowed: false, retryAfterSeconds: 1, resetSeconds: 10 });
    clock.advance(-5000);
    expect(limiter.take('k')).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('bounds its memory: full buckets are dropped first', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 2, nowMs: () => clock.now().getTime(), bucketsMax: 3 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    clock.advance(1000); // a, b and c are full again
    limiter.take('c');
    limiter.take('d');
    expect(limiter.size).toBe(2);
  });

  it('refuses nonsense settings', () => {
    expect(() => new RateLimiter({ perSecond: 0, burst: 1, nowMs: () => 0 })).toThrow();
    expect(() => new RateLimiter({ perSecond: 1, burst: 0, nowMs: () => 0 })).toThrow();
  });
});

interface LimitedApp {
  coffer: CofferApp;
  clock: ReturnType<typeof manualClock>;
  keys: { main: string; sameBusiness: string; otherBusiness: string };
  request(method: string, url: string, key: string | null, body?: object): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

async function startLimitedApp(kind: (typeof storeKinds)[number], env: Record<string, string>): Promise<LimitedApp> {
  const database = await createTestDatabase(kind);
  const { config, store } = await openTestStore(database, env);
  const clock = manualClock();
  const coffer = await buildCoffer({ config, store, clock, logger: false });
  await coffer.app.ready();
  const first = await createBusiness(store.db, clock, 'Limited');
  const second = await createBusiness(store.db, clock, 'Other');
  const key = async (businessId: string) => (await createApiKey(store.db, clock, { businessId, access: 'read_write' })).secret;
  return {
    coffer,
    clock,
    keys: { main: await key(first.id), sameBusiness: await key(first.id), otherBusiness: await key(second.id) },
    request: (method, url, key, body) =>
      coffer.app.inject({
        method: method as 'GET',
        url,
        headers: key === null ? {} : { authorization: `Bearer ${key}` },
        ...(body === undefined ? {} : { payload: body }),
      }),
    close: async () => {
      await coffer.close();
      await database.drop();
    },
  };
}

describe.each(storeKinds)('rate limiting over HTTP [%s]', (kind) => {
  let t: LimitedApp;
  beforeAll(async () => {
    t = await startLimitedApp(kind, { COFFER_RATE_LIMIT_PER_SECOND: '2', COFFER_RATE_LIMIT_BURST: '3' });
  });
  afterAll(async () => t?.close());

  it('sends X-RateLimit headers that count down, then 429 with Retry-After, per key, refilled over time', async () => {
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const response = await t.request('GET', '/customers', t.keys.main);
      expect(response.statusCode).toBe(200);
      seen.push([response.headers['x-ratelimit-limit'], response.headers['x-ratelimit-remaining'], response.headers['x-ratelimit-reset']]);
    }
    expect(seen).toEqual([
      ['3', '2', '1'],
      ['3', '1', '1'],
      ['3', '0', '2'],
    ]);

    const limited = await t.request('GET', '/customers', t.keys.main);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.headers['content-type']).toMatch(/^application\/json/);
    expect(limited.json()).toEqual({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('retry after 1 s') });

    // Another key of the same business, and another business's key, have their own buckets.
    const sibling = await t.request('GET', '/customers', t.keys.sameBusiness);
    expect(sibling.statusCode).toBe(200);
    expect(sibling.headers['x-ratelimit-remaining']).toBe('2');
    expect((await t.request('GET', '/customers', t.keys.otherBusiness)).statusCode).toBe(200);

    t.clock.advance(500); // one token back
    const refilled = await t.request('GET', '/customers', t.keys.main);
    expect(refilled.statusCode).toBe(200);
    expect(refilled.headers['x-ratelimit-remaining']).toBe('0');
    expect((await t.request('GET', '/customers', t.keys.main)).statusCode).toBe(429);

    t.clock.advance(1500); // full again
    const full = await t.request('GET', '/customers', t.keys.main);
    expect(full.headers['x-ratelimit-remaining']).toBe('2');
    t.clock.advance(10_000);
  });

  it('writes nothing when a write is refused, and charges errors too', async () => {
    const created = await t.request('POST', '/customers', t.keys.otherBusiness, { email: 'r@example.com', name: 'R' });
    expect(created.statusCode).toBe(200);
    const customerId = created.json().customer_id as string;
    const post = (key: string) =>
      t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, key, {
        amount: 100, currency: 'USD', entry_type: 'credit', idempotency_key: `rl_${Math.random()}`,
      });
    // The key has 2 tokens left: a 404 for an unknown customer is still charged to the key.
    const missing = await t.request('GET', '/customers/cus_000000000000000000000', t.keys.otherBusiness);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-ratelimit-remaining']).toBe('1');
    expect((await post(t.keys.otherBusiness)).statusCode).toBe(200);
    const refused = await post(t.keys.otherBusiness);
    expect(refused.statusCode).toBe(429);

    t.clock.advance(10_000);
    const wallets = await t.request('GET', `/customers/${customerId}/wallets`, t.keys.otherBusiness);
    expect(wallets.json().items.find((w: { currency: string }) => w.currency === 'USD').balance).toBe(100);
    const entries = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries`, t.keys.otherBusiness);
    expect(entries.json().items).toHaveLength(1);
  });

  it('does not charge or label unauthenticated requests and public routes', async () => {
    t.clock.advance(10_000);
    for (let i = 0; i < 10; i++) {
      const anonymous = await t.request('GET', '/customers', null);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['x-ratelimit-limit']).toBeUndefined();
      const wrongKey = await t.request('GET', '/customers', 'not-a-real-key-at-all');
      expect(wrongKey.statusCode).toBe(401);
      expect(wrongKey.headers['x-ratelimit-limit']).toBeUndefined();
      const health = await t.request('GET', '/healthz', null);
      expect(health.statusCode).toBe(200);
      expect(health.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const first = await t.request('GET', '/customers', t.keys.main);
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('the official SDK honours Retry-After, and raises RateLimitError once its retries are spent', async () => {
    const baseURL = await t.coffer.app.listen({ host: '127.0.0.1', port: 0 });
    const attempts: Array<{ status: number; retryCount: string | null }> = [];
    let onResponse = (_status: number) => {};
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      attempts.push({ status: response.status, retryCount: new Headers(init?.headers).get('x-stainless-retry-count') });
      onResponse(response.status);
      return response;
    };
    const client = new DodoPayments({ bearerToken: t.keys.sameBusiness, baseURL, logLevel: 'off', maxRetries: 2, fetch: countingFetch });
    t.clock.advance(10_000);
    for (let i = 0; i < 3; i++) await client.customers.list();
    attempts.length = 0;

    // The clock stands still: every retry finds the bucket empty.
    const startedAt = performance.now();
    const failure = await client.customers.list().catch((error: unknown) => error);
    const elapsedMs = performance.now() - startedAt;
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(failure).toMatchObject({ status: 429, error: { code: 'TOO_MANY_REQUESTS' } });
    expect(attempts).toEqual([
      { status: 429, retryCount: '0' },
      { status: 429, retryCount: '1' },
      { status: 429, retryCount: '2' },
    ]);
    expect(elapsedMs).toBeGreaterThanOrEqual(1900); // two waits of Retry-After: 1 s

    // Time passes while the SDK waits out Retry-After: its retry gets through.
    attempts.length = 0;
    onResponse = (status) => {
      if (status === 429) t.clock.advance(1000);
    };
    const page = await client.customers.list();
    expect(page.items).toBeInstanceOf(Array);
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
  });
});

describe.each(storeKinds)('rate limiting settings [%s]', (kind) => {
  it('is on by default at 2000 per burst, and off with COFFER_RATE_LIMIT_PER_SECOND=0', async () => {
    const onByDefault = await startLimitedApp(kind, {});
    try {
      const response = await onByDefault.request('GET', '/customers', onByDefault.keys.main);
      expect(response.headers['x-ratelimit-limit']).toBe('2000');
      expect(response.headers['x-ratelimit-remaining']).toBe('1999');
    } finally {
      await onByDefault.close();
    }
    const off = await startLimitedApp(kind, { COFFER_RATE_LIMIT_PER_SECOND: '0' });
    try {
      for (let i = 0; i < 5; i++) {
        const response = await off.request('GET', '/customers', off.keys.main);
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await off.close();
    }
  });
});
