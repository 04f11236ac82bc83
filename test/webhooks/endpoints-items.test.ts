// One webhook endpoint over HTTP on both stores: retrieve, update (null semantics), delete, the secret and its rotation
// with an overlap window (on a manual clock), custom headers (merge, reserved and sensitive names), 404s on every
// route for unknown ids and for another business's endpoint, and a stored row that cannot be served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, type TestBusiness, startTestApp } from '../support/test-app.ts';

const start = new Date('2026-03-01T10:00:00.000Z');

describe.each(storeKinds)('webhook endpoint items [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(start);
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  const db = () => t.coffer.store.db;
  const rowOf = (id: string) => db().selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const create = async (body: Record<string, unknown> = {}, key?: string) => {
    const response = await t.request('POST', '/webhooks', { body: { url: 'https://example.com/hooks', ...body }, key });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const expectCode = (response: { statusCode: number; body: string; json(): { code: string; message: string } }, status: number, code: string) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().code).toBe(code);
    return response.json().message;
  };

  describe('update', () => {
    it('changes what is sent, keeps the rest, and moves updated_at with the clock', async () => {
      const created = await create({ description: 'first', metadata: { a: '1' }, filter_types: ['wallet.debited'], rate_limit: 7 });
      clock.advance(1000);
      const response = await t.request('PATCH', `/webhooks/${created.id}`, { body: { description: 'second', url: 'https://example.org/new' } });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ ...created, description: 'second', url: 'https://example.org/new', updated_at: '2026-03-01T10:00:01.000Z' });
      expect((await t.request('GET', `/webhooks/${created.id}`)).json()).toEqual(response.json());
    });

    it('an empty body changes nothing, not even updated_at', async () => {
      const created = await create();
      clock.advance(1000);
      const response = await t.request('PATCH', `/webhooks/${created.id}`, { body: {} });
      expect(response.json()).toEqual(created);
    });

    it('null leaves url and disabled, and clears description, filter_types, metadata and rate_limit', async () => {
      const created = await create({ description: 'd', metadata: { a: '1' }, filter_types: ['wallet.debited'], rate_limit: 7, disabled: true });
      const body = { url: null, disabled: null, description: null, filter_types: null, metadata: null, rate_limit: null };
      const updated = (await t.request('PATCH', `/webhooks/${created.id}`, { body })).json();
      expect(updated).toMatchObject({ url: created.url, disabled: true, description: '', filter_types: [], metadata: {}, rate_limit: null });
      expect(await rowOf(created.id)).toMatchObject({ description: '', filter_types: '[]', metadata: '{}', rate_limit: null, disabled: 1 });
    });

    it('re-enabling an endpoint Coffer disabled clears its reason', async () => {
      const created = await create();
      await db().updateTable('webhook_endpoints').set({ disabled: 1, disabled_reason: 'receiver answered 410 Gone' }).where('id', '=', created.id).execute();
      expect((await t.request('GET', `/webhooks/${created.id}`)).json().disabled).toBe(true);
      const updated = (await t.request('PATCH', `/webhooks/${created.id}`, { body: { disabled: false } })).json();
      expect(updated.disabled).toBe(false);
      expect(await rowOf(created.id)).toMatchObject({ disabled: 0, disabled_reason: null });
    });

    it.each([
      [{ url: 'http://127.0.0.1/' }, 422, 'WEBHOOK_URL_INVALID'],
      [{ url: 'gopher://example.com/' }, 422, 'WEBHOOK_URL_INVALID'],
      [{ filter_types: ['wallet.credited', 'credit.added'] }, 422, 'WEBHOOK_EVENT_TYPE_UNKNOWN'],
      [{ headers: { 'X-A': 'b' } }, 422, 'INVALID_REQUEST_BODY'],
      [{ idempotency_key: 'k' }, 422, 'INVALID_REQUEST_BODY'],
      [{ rate_limit: 0 }, 422, 'INVALID_REQUEST_BODY'],
      [{ metadata: { a: 1 } }, 422, 'INVALID_REQUEST_BODY'],
    ])('refuses %j with %i %s and changes nothing', async (body, status, code) => {
      const created = await create();
      expectCode(await t.request('PATCH', `/webhooks/${created.id}`, { body }), status, code);
      expect((await t.request('GET', `/webhooks/${created.id}`)).json()).toEqual(created);
    });
  });

  describe('secret rotation', () => {
    const rotate = (id: string, body?: unknown) => t.request('POST', `/webhooks/${id}/secret/rotate`, body === undefined ? {} : { body });
    const secretOf = async (id: string) => (await t.request('GET', `/webhooks/${id}/secret`)).json().secret as string;

    it('keeps the old secret as previous_secret for the default 24 hours', async () => {
      const created = await create();
      const original = await secretOf(created.id);
      const response = await rotate(created.id);
      expect(response.statusCode, response.body).toBe(200);
      const now = clock.now().getTime();
      expect(response.json()).toEqual({ secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: new Date(now + 86_400_000).toISOString() });
      expect(await secretOf(created.id)).toBe(response.json().secret);
      expect(await rowOf(created.id)).toMatchObject({
        secret: response.json().secret,
        previous_secret: original,
        previous_secret_expires_at: response.json().previous_secret_expires_at,
        updated_at: clock.now().toISOString(),
      });
    });

    it('takes overlap_seconds from 0 (no overlap) to 604800, and refuses others', async () => {
      const created = await create();
      const week = await rotate(created.id, { overlap_seconds: 604_800 });
      expect(week.json().previous_secret_expires_at).toBe(new Date(clock.now().getTime() + 604_800_000).toISOString());
      const none = await rotate(created.id, { overlap_seconds: 0 });
      expect(none.json()).toEqual({ secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: null });
      expect(await rowOf(created.id)).toMatchObject({ secret: none.json().secret, previous_secret: null, previous_secret_expires_at: null });
      for (const body of [{ overlap_seconds: -1 }, { overlap_seconds: 604_801 }, { overlap_seconds: 1.5 }, { overlap_seconds: '60' }, { overlap: 60 }]) {
        expectCode(await rotate(created.id, body), 422, 'INVALID_REQUEST_BODY');
      }
    });

    it('a second rotation within the overlap keeps only the secret it replaces', async () => {
      const created = await create();
      const first = (await rotate(created.id, { overlap_seconds: 3600 })).json();
      clock.advance(60_000);
      const second = (await rotate(created.id, { overlap_seconds: 3600 })).json();
      expect(await rowOf(created.id)).toMatchObject({ secret: second.secret, previous_secret: first.secret, previous_secret_expires_at: second.previous_secret_expires_at });
    });

    it('needs a read-write key to read or rotate the secret', async () => {
      const created = await create();
      expectCode(await t.request('GET', `/webhooks/${created.id}/secret`, { key: t.readOnlyKey }), 403, 'FORBIDDEN');
      expectCode(await t.request('POST', `/webhooks/${created.id}/secret/rotate`, { key: t.readOnlyKey, body: {} }), 403, 'FORBIDDEN');
    });
  });

  describe('custom headers', () => {
    const headersOf = async (id: string) => (await t.request('GET', `/webhooks/${id}/headers`)).json();
    const patchHeaders = (id: string, body: unknown) => t.request('PATCH', `/webhooks/${id}/headers`, { body });

    it('names sensitive headers without their values, and stores every value for delivery', async () => {
      const headers = {
        Authorization: 'Bearer a', 'Proxy-Authorization': 'Basic b', Cookie: 'c=1', 'X-Auth-Token': 't', 'X-Client-Secret': 's', 'X-Api-Key': 'k',
        'X-Session-Id': 'sid', 'X-Password': 'p', 'X-Trace': 'visible', 'X-Team': 'billing',
      };
      const created = await create({ headers });
      const read = await headersOf(created.id);
      expect(read.headers).toEqual({ 'X-Trace': 'visible', 'X-Team': 'billing' });
      expect(read.sensitive.sort()).toEqual(Object.keys(headers).filter((name) => !['X-Trace', 'X-Team'].includes(name)).sort());
      expect(JSON.parse((await rowOf(created.id)).headers)).toEqual(headers);
    });

    it('merges an update: adds and replaces (whatever the case of the name), null removes, the rest stays; answers 204', async () => {
      const created = await create({ headers: { 'X-A': '1', 'X-B': '2', Authorization: 'Bearer old' } });
      clock.advance(1000);
      const response = await patchHeaders(created.id, { headers: { 'x-a': 'one', 'X-C': '3', 'X-B': null, authorization: 'Bearer new', 'X-Gone': null } });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      expect(JSON.parse((await rowOf(created.id)).headers)).toEqual({ 'x-a': 'one', 'X-C': '3', authorization: 'Bearer new' });
      expect((await rowOf(created.id)).updated_at).toBe(clock.now().toISOString());
      expect(await headersOf(created.id)).toEqual({ headers: { 'x-a': 'one', 'X-C': '3' }, sensitive: ['authorization'] });
    });

    it('refuses reserved names, one name twice, and more than 20 once merged; keeps the headers as they were', async () => {
      const created = await create({ headers: Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`X-H${i}`, 'v'])) });
      const before = (await rowOf(created.id)).headers;
      expectCode(await patchHeaders(created.id, { headers: { 'Webhook-Id': 'x' } }), 422, 'WEBHOOK_HEADER_NOT_ALLOWED');
      expectCode(await patchHeaders(created.id, { headers: { 'X-New': 'a', 'x-new': 'b' } }), 422, 'WEBHOOK_HEADER_NOT_ALLOWED');
      const message = expectCode(await patchHeaders(created.id, { headers: { 'X-New': 'a', 'X-Other': 'b' } }), 422, 'WEBHOOK_HEADER_NOT_ALLOWED');
      expect(message).toContain('20');
      expect((await rowOf(created.id)).headers).toBe(before);
      // Replacing one and adding one stays within the limit.
      expect((await patchHeaders(created.id, { headers: { 'X-H0': null, 'X-New': 'a', 'X-Other': 'b' } })).statusCode).toBe(204);
    });

    it.each([{}, { headers: null }, { headers: { 'X-A': 'b' }, extra: 1 }, { headers: { 'Bad Name': 'b' } }, { headers: { 'X-A': 'a\nb' } }, { headers: { 'X-A': 5 } }])(
      'refuses the body %j with 422 INVALID_REQUEST_BODY',
      async (body) => {
        const created = await create();
        expectCode(await patchHeaders(created.id, body), 422, 'INVALID_REQUEST_BODY');
      },
    );
  });

  describe('not found, and other businesses', () => {
    let other: TestBusiness;
    let theirs: { id: string };
    let mine: { id: string };
    beforeAll(async () => {
      other = await t.addBusiness('Neighbour');
      theirs = await create({ url: 'https://neighbour.example/hooks', headers: { 'X-N': 'n' } }, other.apiKey);
      mine = await create({ headers: { 'X-M': 'm' } });
    });

    const itemRequests = (id: string): Array<[string, string, unknown?]> => [
      ['GET', `/webhooks/${id}`],
      ['PATCH', `/webhooks/${id}`, { description: 'taken over' }],
      ['DELETE', `/webhooks/${id}`],
      ['GET', `/webhooks/${id}/secret`],
      ['POST', `/webhooks/${id}/secret/rotate`, {}],
      ['GET', `/webhooks/${id}/headers`],
      ['PATCH', `/webhooks/${id}/headers`, { headers: { 'X-Evil': '1' } }],
    ];

    it('answers 404 WEBHOOK_NOT_FOUND on every route for an unknown id', async () => {
      for (const [method, url, body] of itemRequests('whk_000000000000000000000')) {
        const message = expectCode(await t.request(method, url, { body }), 404, 'WEBHOOK_NOT_FOUND');
        expect(message).toContain('whk_000000000000000000000');
      }
    });

    it("answers 404 on every route for another business's endpoint, and changes nothing of it", async () => {
      const before = await rowOf(theirs.id);
      for (const [method, url, body] of itemRequests(theirs.id)) expectCode(await t.request(method, url, { body }), 404, 'WEBHOOK_NOT_FOUND');
      expect(await rowOf(theirs.id)).toEqual(before);
      // Nor does it show in our list, and the neighbour's key cannot reach ours.
      const listed = (await t.request('GET', '/webhooks?limit=100')).json().data.map((e: { id: string }) => e.id);
      expect(listed).not.toContain(theirs.id);
      const mineBefore = await rowOf(mine.id);
      for (const [method, url, body] of itemRequests(mine.id)) expectCode(await t.request(method, url, { body, key: other.apiKey }), 404, 'WEBHOOK_NOT_FOUND');
      expect(await rowOf(mine.id)).toEqual(mineBefore);
    });

    it.each(['%00', 'x'.repeat(65), encodeURIComponent("whk_' or '1'='1")])('answers the id %j with a 4xx envelope, never a 500', async (id) => {
      for (const [method, url, body] of itemRequests(id)) {
        const response = await t.request(method, url, { body });
        expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(typeof response.json().code).toBe('string');
      }
    });
  });

  describe('a stored row Coffer cannot serve', () => {
    it('fails its own reads with 500 STORED_RECORD_UNREADABLE, is left out of list pages (named in a header), and a PATCH repairs it', async () => {
      const business = await t.addBusiness('Broken row');
      const good = await create({}, business.apiKey);
      const broken = await create({}, business.apiKey);
      await db().updateTable('webhook_endpoints').set({ metadata: '{"n": 1}' }).where('id', '=', broken.id).execute();
      const read = await t.request('GET', `/webhooks/${broken.id}`, { key: business.apiKey });
      expect(read.statusCode).toBe(500);
      expect(read.json()).toMatchObject({ code: 'STORED_RECORD_UNREADABLE', record_id: broken.id });
      const list = await t.request('GET', '/webhooks', { key: business.apiKey });
      expect(list.statusCode).toBe(200);
      expect(list.json().data.map((e: { id: string }) => e.id)).toEqual([good.id]);
      expect(list.headers['x-coffer-skipped-records']).toBe(broken.id);
      const repaired = await t.request('PATCH', `/webhooks/${broken.id}`, { key: business.apiKey, body: { metadata: { n: '1' } } });
      expect(repaired.statusCode).toBe(200);
      expect(repaired.json().metadata).toEqual({ n: '1' });
    });
  });
});
