// Dashboard sessions in the database, both stores: a sign-in on one Coffer works on a second Coffer on the same
// database (two apps on one SQLite file, two on one PostgreSQL schema); sign-out, expiry and revocation end it on both;
// the table holds hashes, never tokens or keys; one key holds a bounded number of sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CofferApp, buildCoffer } from '../../src/app/coffer.ts';
import { createApiKey, revokeApiKey } from '../../src/businesses/business-service.ts';
import { sessionsPerKeyMax } from '../../src/dashboard/dashboard-app.ts';
import { sessionCount } from '../../src/dashboard/session-repo.ts';
import { SessionStore, csrfTokenOf, sessionCookieName, sessionTokenHash } from '../../src/dashboard/sessions.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { openTestStore, storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { client, csrfOf, keyOf } from './form-client.ts';

const sessionMs = 3_600_000;

describe.each(storeKinds)('dashboard sessions on a shared database [%s]', (kind) => {
  let t: TestApp;
  let second: CofferApp;
  let clock: ManualClock;
  let customerId: string;
  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
    const env = { COFFER_DASHBOARD_SESSION_MS: String(sessionMs), COFFER_API_KEY_CACHE_MS: '0' };
    t = await startTestApp(kind, env, { clock });
    // A second Coffer process's worth: its own store connection, app, caches and session store, on the same database.
    const { config, store } = await openTestStore({ kind, env: t.env, drop: async () => {} }, env);
    second = await buildCoffer({ config, store, logger: false, clock });
    await second.app.ready();
    customerId = (await t.request('POST', '/customers', { body: { email: 'ann@example.com', name: 'Ann' } })).json().customer_id;
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  const balance = async () => (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD')?.balance ?? 0;

  it('a session made by one instance works on the other, forms and CSRF included; sign-out on one ends it on both', async () => {
    const first = client(t.coffer.app);
    const { response } = await first.signIn(t.apiKey);
    expect(response.statusCode).toBe(303);
    const elsewhere = client(second.app, first.jar);
    const page = await elsewhere.get(`/dashboard/customers/${customerId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Main business');
    // The token and the form key drawn by the second instance, posted to the first.
    const before = await balance();
    const credit = await first.post(`/dashboard/customers/${customerId}/entries`, { _csrf: csrfOf(page.body), currency: 'USD', entry_type: 'credit', amount: '3.00', reason: '', idempotency_key: keyOf(page.body) });
    expect(credit.statusCode).toBe(200);
    expect(credit.body).toContain('Credited $3.00');
    expect(await balance()).toBe(before + 300);

    const token = first.jar.get(sessionCookieName)!;
    const out = await elsewhere.post('/dashboard/sign-out', { _csrf: csrfOf(page.body) });
    expect(out.headers.location).toBe('/dashboard/sign-in?signed_out=1');
    for (const app of [t.coffer.app, second.app]) {
      const replayed = await app.inject({ method: 'GET', url: '/dashboard/customers', headers: { cookie: `${sessionCookieName}=${token}` } });
      expect(replayed.statusCode).toBe(303);
    }
    expect(await t.coffer.store.db.selectFrom('dashboard_sessions').select('token_hash').where('token_hash', '=', sessionTokenHash(token)).execute()).toEqual([]);
  });

  it('the table holds the token hash and the key id: no token, no key, no CSRF token in any column', async () => {
    const visitor = client(second.app);
    await visitor.signIn(t.apiKey);
    const token = visitor.jar.get(sessionCookieName)!;
    const rows = await t.coffer.store.db.selectFrom('dashboard_sessions').selectAll().where('token_hash', '=', sessionTokenHash(token)).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ business_id: t.businessId, expires_at: new Date(clock.now().getTime() + sessionMs).toISOString() });
    const stored = JSON.stringify(rows);
    for (const secret of [token, t.apiKey, csrfTokenOf(token)]) expect(stored).not.toContain(secret);
  });

  it('expires after COFFER_DASHBOARD_SESSION_MS on every instance, and the next sign-in sweeps expired rows', async () => {
    const visitor = client(t.coffer.app);
    await visitor.signIn(t.apiKey);
    const elsewhere = client(second.app, visitor.jar);
    clock.advance(sessionMs - 1);
    expect((await elsewhere.get('/dashboard/events')).statusCode).toBe(200);
    clock.advance(1);
    expect((await elsewhere.get('/dashboard/events')).headers.location).toBe('/dashboard/sign-in');
    expect((await visitor.get('/dashboard/events')).headers.location).toBe('/dashboard/sign-in');
    expect(await sessionCount(t.coffer.store.db)).toBeGreaterThan(0);
    await client(second.app).signIn(t.apiKey);
    expect(await sessionCount(t.coffer.store.db)).toBe(1);
  });

  it("a revoked key ends its sessions on every instance at once, whatever the key cache", async () => {
    const key = await createApiKey(t.coffer.store.db, clock, { businessId: t.businessId, access: 'read_write' });
    const visitor = client(t.coffer.app);
    await visitor.signIn(key.secret);
    const elsewhere = client(second.app, visitor.jar);
    expect((await elsewhere.get('/dashboard/events')).statusCode).toBe(200);
    await revokeApiKey(t.coffer.store.db, clock, key.id);
    expect((await elsewhere.get('/dashboard/events')).statusCode).toBe(303);
    expect((await visitor.get('/dashboard/events')).statusCode).toBe(303);
  });

  it('one key holds at most sessionsPerKeyMax sessions: the oldest ends first', async () => {
    const key = await createApiKey(t.coffer.store.db, clock, { businessId: t.businessId, access: 'read_only' });
    const sessions = new SessionStore(t.coffer.store.db, clock, { lifetimeMs: sessionMs, sessionsPerKeyMax });
    const principal = { businessId: t.businessId, keyId: key.id, access: 'read_only' as const };
    const made: string[] = [];
    for (let index = 0; index <= sessionsPerKeyMax; index++) {
      clock.advance(1);
      made.push((await sessions.create(principal)).token);
    }
    const ofKey = await t.coffer.store.db.selectFrom('dashboard_sessions').select('token_hash').where('api_key_id', '=', key.id).execute();
    expect(ofKey).toHaveLength(sessionsPerKeyMax);
    expect(await sessions.find(made[0])).toBeUndefined();
    expect((await sessions.find(made.at(-1)))?.principal).toEqual(principal);
    expect(await sessions.find(undefined)).toBeUndefined();
    expect(await sessions.find('x'.repeat(1000))).toBeUndefined();
    expect(await sessions.find('not a token')).toBeUndefined();
  });
});
