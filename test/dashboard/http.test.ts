// The dashboard over HTTP (in-process, both stores): sessions, CSRF, CSP, read-only keys, escaping, tenants, limits.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardContentSecurityPolicy } from '../../src/dashboard/dashboard-app.ts';
import { revokeApiKey, createApiKey } from '../../src/businesses/business-service.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { client as formClient, csrfOf, keyOf } from './form-client.ts';

const sessionMs = 3_600_000;
const client = (t: TestApp) => formClient(t.coffer.app);

describe.each(storeKinds)('dashboard over HTTP [%s]', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let customerId: string;
  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
    t = await startTestApp(kind, { COFFER_DASHBOARD_SESSION_MS: String(sessionMs), COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    const created = await t.request('POST', '/customers', { body: { email: 'eve@example.com', name: '<script>alert(1)</script> Eve' } });
    customerId = created.json().customer_id;
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { currency: 'USD', entry_type: 'credit', amount: 1000 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const entries = async () => (await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=100`)).json().items as Array<{ amount: number; reason: string | null }>;

  it('sends a visitor without a session to the sign-in form; signs in with a key into an HttpOnly SameSite=Strict cookie', async () => {
    const visitor = client(t);
    const home = await visitor.get('/dashboard/customers');
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/dashboard/sign-in');
    const htmx = await visitor.get('/dashboard/customers', { 'hx-request': 'true' });
    expect(htmx.headers['hx-redirect']).toBe('/dashboard/sign-in');
    const { page, response } = await visitor.signIn(t.apiKey);
    expect(page.body).toMatch(/<label for="api-key">API key<\/label>/);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/dashboard/customers');
    const session = [response.headers['set-cookie']].flat().find((line) => String(line).startsWith('coffer_dashboard_session='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Max-Age=3600/);
    expect(session).not.toMatch(/Secure/);
    expect(session).not.toContain(t.apiKey);
    expect((await visitor.get('/dashboard/customers')).statusCode).toBe(200);
  });

  it('refuses a wrong key and a sign-in without its form token', async () => {
    const visitor = client(t);
    const { response } = await visitor.signIn('ck_rw_notakey000000000000000000000000');
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('That API key is not valid, or it was revoked.');
    const bare = await client(t).post('/dashboard/sign-in', { api_key: t.apiKey });
    expect(bare.statusCode).toBe(403);
    expect(bare.headers['set-cookie']).not.toContain('coffer_dashboard_session=');
  });

  it('sessions expire after COFFER_DASHBOARD_SESSION_MS, end on sign-out, and end when their key is revoked', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    clock.advance(sessionMs - 1);
    expect((await visitor.get('/dashboard/events')).statusCode).toBe(200);
    clock.advance(1);
    expect((await visitor.get('/dashboard/events')).headers.location).toBe('/dashboard/sign-in');

    const leaving = client(t);
    await leaving.signIn(t.apiKey);
    const cookie = leaving.jar.get('coffer_dashboard_session')!;
    const page = await leaving.get('/dashboard/events');
    expect((await leaving.post('/dashboard/sign-out', {})).statusCode).toBe(403);
    const out = await leaving.post('/dashboard/sign-out', { _csrf: csrfOf(page.body) });
    expect(out.headers.location).toBe('/dashboard/sign-in?signed_out=1');
    const replayed = await t.coffer.app.inject({ method: 'GET', url: '/dashboard/events', headers: { cookie: `coffer_dashboard_session=${cookie}` } });
    expect(replayed.statusCode).toBe(303);

    // A sign-in form left open in a second tab, sent while already signed in: a new session id, the old one ends.
    const twice = client(t);
    const { page: form } = await twice.signIn(t.apiKey);
    const first = twice.jar.get('coffer_dashboard_session')!;
    twice.jar.set('coffer_dashboard_sign_in', csrfOf(form.body));
    expect((await twice.post('/dashboard/sign-in', { _csrf: csrfOf(form.body), api_key: t.apiKey })).statusCode).toBe(303);
    expect(twice.jar.get('coffer_dashboard_session')).not.toBe(first);
    const stale = await t.coffer.app.inject({ method: 'GET', url: '/dashboard/events', headers: { cookie: `coffer_dashboard_session=${first}` } });
    expect(stale.statusCode).toBe(303);

    const key = await createApiKey(t.coffer.store.db, clock, { businessId: t.businessId, access: 'read_write' });
    const revoked = client(t);
    await revoked.signIn(key.secret);
    expect((await revoked.get('/dashboard/events')).statusCode).toBe(200);
    await revokeApiKey(t.coffer.store.db, clock, key.id);
    expect((await revoked.get('/dashboard/events')).statusCode).toBe(303);
  });

  it('every page carries the strict CSP, runs no inline script and sets no inline style', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    expect(dashboardContentSecurityPolicy).toContain("script-src 'self'");
    expect(dashboardContentSecurityPolicy).not.toContain('unsafe');
    for (const url of ['/dashboard/sign-in', '/dashboard/customers', `/dashboard/customers/${customerId}`, '/dashboard/low-balance', '/dashboard/webhooks', '/dashboard/events']) {
      const response = url.endsWith('sign-in') ? await client(t).get(url) : await visitor.get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-security-policy'], url).toBe(dashboardContentSecurityPolicy);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-store');
      for (const tag of response.body.match(/<script\b[^>]*>/g) ?? []) expect(tag, url).toMatch(/ src="\/dashboard\/assets\/|type="application\/json"/);
      expect(response.body, url).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      // Every control has a label: each input, select and textarea that is not hidden is named by a <label for>.
      for (const [, id] of response.body.matchAll(/<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio)")[^>]*\bid="([^"]+)"/g)) {
        expect(response.body, `${url}: #${id}`).toContain(`<label for="${id}">`);
      }
    }
  });

  it('escapes what customers typed', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const page = await visitor.get(`/dashboard/customers/${customerId}`);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Eve');
    expect(page.body).not.toContain('<script>alert(1)</script>');
  });

  it('a POST without the session CSRF token is refused; the htmx header carries it too', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const page = await visitor.get(`/dashboard/customers/${customerId}`);
    const before = (await entries()).length;
    const fields = { currency: 'USD', entry_type: 'credit', amount: '2.50', reason: 'csrf test', idempotency_key: keyOf(page.body) };
    const forged = await visitor.post(`/dashboard/customers/${customerId}/entries`, fields);
    expect(forged.statusCode).toBe(403);
    expect((await entries()).length).toBe(before);
    const other = client(t);
    await other.signIn(t.apiKey);
    const otherToken = csrfOf((await other.get('/dashboard/events')).body);
    expect((await visitor.post(`/dashboard/customers/${customerId}/entries`, { ...fields, _csrf: otherToken })).statusCode).toBe(403);
    const viaHeader = await visitor.post(`/dashboard/customers/${customerId}/entries`, fields, { 'x-csrf-token': csrfOf(page.body), 'hx-request': 'true', 'hx-target': 'customer-main' });
    expect(viaHeader.statusCode).toBe(200);
    expect(viaHeader.body).toContain('Credited $2.50');
    expect(viaHeader.body).not.toContain('<html');
    expect((await entries())[0]).toMatchObject({ amount: 250, reason: 'csrf test' });
  });

  it('an amount is parsed exactly; a bad one is answered in words and writes nothing', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const page = await visitor.get(`/dashboard/customers/${customerId}`);
    const base = { _csrf: csrfOf(page.body), currency: 'USD', entry_type: 'credit', reason: '' };
    const before = (await entries()).length;
    for (const amount of ['0.1.2', '-3', '1e2', '0.001', '']) {
      const response = await visitor.post(`/dashboard/customers/${customerId}/entries`, { ...base, amount, idempotency_key: keyOf(page.body) });
      expect(response.statusCode, amount).toBe(422);
      expect(response.body).toMatch(/role="alert">[^<]*(amount|decimal places)/);
    }
    const missingKey = await visitor.post(`/dashboard/customers/${customerId}/entries`, { ...base, amount: '1' });
    expect(missingKey.statusCode).toBe(422);
    expect((await entries()).length).toBe(before);
    const ok = await visitor.post(`/dashboard/customers/${customerId}/entries`, { ...base, amount: '0.29', idempotency_key: keyOf(page.body) });
    expect(ok.statusCode).toBe(200);
    expect((await entries())[0].amount).toBe(29);
  });

  it('a read-only key can look at every page, and every action is refused with a clear message', async () => {
    const visitor = client(t);
    await visitor.signIn(t.readOnlyKey);
    const page = await visitor.get(`/dashboard/customers/${customerId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('read-only key');
    const before = (await entries()).length;
    const refused = await visitor.post(`/dashboard/customers/${customerId}/entries`, { _csrf: csrfOf(page.body), currency: 'USD', entry_type: 'credit', amount: '1', idempotency_key: keyOf(page.body) });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Refused: this API key is read-only, so it cannot credit or debit.');
    expect((await entries()).length).toBe(before);
    const endpoint = (await t.request('POST', '/webhooks', { body: { url: 'https://receiver.example.com/hook' } })).json();
    const event = await t.coffer.store.db.selectFrom('events').select('id').where('business_id', '=', t.businessId).executeTakeFirstOrThrow();
    const redeliver = await visitor.post(`/dashboard/webhooks/${endpoint.id}/redeliver`, { _csrf: csrfOf(page.body), event_id: event.id });
    expect(redeliver.statusCode).toBe(403);
    expect(redeliver.body).toContain('Refused: this API key is read-only, so it cannot redeliver.');
    expect(await t.coffer.store.db.selectFrom('jobs').select('id').execute()).toEqual([]);
  });

  it("another business's customer is not found, and the dashboard is not in the public OpenAPI document", async () => {
    const other = await t.addBusiness('Other business');
    const visitor = client(t);
    await visitor.signIn(other.apiKey);
    const page = await visitor.get(`/dashboard/customers/${customerId}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain('eve@example.com');
    const document = (await t.request('GET', '/openapi.json', { key: null })).json();
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/dashboard'))).toEqual([]);
  });

  it('hostile input: unknown assets, oversized forms and odd bodies get answers, never a crash', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    expect((await visitor.get('/dashboard/assets/..%2F..%2Fpackage.json')).statusCode).toBe(404);
    expect((await visitor.get('/dashboard/assets/constructor')).statusCode).toBe(404);
    const asset = await visitor.get('/dashboard/assets/htmx.min.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    const token = csrfOf((await visitor.get('/dashboard/events')).body);
    const big = await visitor.post(`/dashboard/customers/${customerId}/entries`, { _csrf: token, reason: 'x'.repeat(20_000) });
    expect(big.statusCode).toBe(413);
    const odd = await visitor.post(`/dashboard/customers/${customerId}/entries`, { _csrf: token, currency: 'USD', entry_type: 'sideways', amount: '1' });
    expect(odd.statusCode).toBe(422);
    const unknownCustomer = await visitor.post('/dashboard/customers/cus_nobody/entries', { _csrf: token, currency: 'USD', entry_type: 'credit', amount: '1', idempotency_key: 'dash_BBBBBBBBBBBBBBBBBBBBBBBB' });
    expect(unknownCustomer.statusCode).toBe(404);
    for (const query of ['?page=-1', '?page=abc', '?page=99999999', '?q=%00%01', '?q[]=a&q[]=b']) expect((await visitor.get(`/dashboard/customers${query}`)).statusCode, query).toBe(200);
    for (const query of ['?currency=XXX', '?event_type=nope', '?from=2026-13-45', '?to=yesterday', '?page=5']) expect((await visitor.get(`/dashboard/customers/${customerId}${query}`)).statusCode, query).toBe(200);
  });

  it('fuzz: random form fields and query values never get a 5xx; what applies is exactly what was typed', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const token = csrfOf((await visitor.get('/dashboard/events')).body);
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '0', '1', '12.34', '1,234.5', '$9', '99999999999999999', 'credit', 'debit', 'USD', 'INR', '2026-01-01'));
    const entryForm = fc.record({ currency: text, entry_type: text, amount: text, reason: text, idempotency_key: fc.oneof(text, fc.constant('dash_CCCCCCCCCCCCCCCCCCCCCCCC')) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(entryForm, fc.record({ q: text, page: text, currency: text, event_type: text, from: text, to: text }, { requiredKeys: [] }), async (fields, query) => {
        const before = (await entries()).length;
        const response = await visitor.post(`/dashboard/customers/${customerId}/entries`, { _csrf: token, ...fields });
        expect(response.statusCode, JSON.stringify(fields)).toBeLessThan(500);
        const after = await entries();
        if (response.statusCode === 200 && after.length > before) {
          expect(after.length).toBe(before + 1);
          expect(response.body).toMatch(/Credited|Debited/);
        } else expect(after.length).toBe(before);
        const search = new URLSearchParams(query).toString();
        for (const url of [`/dashboard/customers?${search}`, `/dashboard/customers/${customerId}?${search}`, `/dashboard/low-balance?${search}`, `/dashboard/webhooks?${search}`]) {
          expect((await visitor.get(url)).statusCode, url).toBeLessThan(500);
        }
      }),
      { numRuns: 40 },
    );
  });
});
